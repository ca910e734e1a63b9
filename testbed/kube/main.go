// Command kube is the test bed's Kubernetes: one binary holding the
// components a one-node cluster needs, chosen by the first argument
//
//	kube apiserver|controller-manager|scheduler|kubelet [flags]
//
// One binary instead of four: the components share most of their code, so
// one link (~140 MB) instead of four (~100 MB each) saves build time and
// disk. The mains mirror k8s.io/kubernetes/cmd/*; testbed/kube-build.sh
// stamps the version (else the components report v0.0.0-master).
package main

import (
	"context"
	"fmt"
	"os"
	_ "time/tzdata" // CronJob time zones, as the upstream mains

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

var commands = map[string]func() *cobra.Command{
	"apiserver":          apiserver.NewAPIServerCommand,
	"controller-manager": controllermanager.NewControllerManagerCommand,
	"scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kubelet":            func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: kube apiserver|controller-manager|scheduler|kubelet [flags]")
		os.Exit(2)
	}
	command := commands[os.Args[1]]()
	// The component parses os.Args[1:] as its own flags: drop the
	// dispatch word.
	command.SetArgs(os.Args[2:])
	os.Exit(cli.Run(command))
}
