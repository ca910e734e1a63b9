// Command api is the example's first image: it prints a line and exits.
package main

import "fmt"

func main() { fmt.Println("api: ready") }
