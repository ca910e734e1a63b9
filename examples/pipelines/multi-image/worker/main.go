// Command worker is the example's second image.
package main

import (
	"flag"
	"fmt"
)

func main() {
	queue := flag.String("queue", "default", "the queue to work on")
	flag.Parse()
	fmt.Println("worker: consuming", *queue)
}
