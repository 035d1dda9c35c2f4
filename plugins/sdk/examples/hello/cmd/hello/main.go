// Command hello is the example plugin's binary: its main is one line.
package main

import (
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/examples/hello"
)

func main() { sdk.Serve(hello.New) }
