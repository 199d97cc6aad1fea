// Command reference is the Go SDK yardstick for Tributary: the same signal queries, the same
// channel path codec, the same stream hub and coalescing, built on grafana-plugin-sdk-go the way
// a Go plugin author would. It is used only to measure Tributary against, in the same run.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

const pluginID = "tributary-streaming-datasource"

func main() {
	if err := datasource.Manage(pluginID, newInstance, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
