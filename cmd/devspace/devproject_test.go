package main

import "github.com/devspace-engine/devspace/kube/kubetest"

// sleeperDevProject is the devspace.yaml of project name that deploys one
// busybox Deployment, app, sleeping, and has dev config app select it
// with the settings devApp (YAML lines indented by four spaces), and a
// pipeline devp that deploys and starts it.
func sleeperDevProject(name, devApp string) string {
	return `version: v2beta1
name: ` + name + `
deployments:
  app:
    kubectl:
      inlineManifest: |
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app}
        spec:
          selector: {matchLabels: {app: app}}
          template:
            metadata: {labels: {app: app}}
            spec:
              terminationGracePeriodSeconds: 1
              containers: [{name: main, image: ` + kubetest.Busybox() + `, command: [sleep, "3600"]}]
dev:
  app:
    labelSelector: {app: app}
` + devApp + `pipelines:
  devp: |
    create_deployments --all
    start_dev app
`
}
