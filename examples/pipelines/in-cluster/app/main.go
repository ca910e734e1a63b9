// Command app says which role it runs as, then waits: the image content of
// the in-cluster example.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	fmt.Printf("%s: built in the cluster, running\n", os.Getenv("ROLE"))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
