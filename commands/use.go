package commands

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/kube"
)

// useNamespaceFlags are those of `use namespace`, after the global ones.
var useNamespaceFlags = []flagSpec{
	{name: "reset", kind: kindBool, usage: "remove the context's default namespace (back to \"default\")"},
	{name: "create", kind: kindBool, usage: "create the namespace when it does not exist"},
}

// useCommand is `devspace use context|namespace NAME`: it writes the
// kubeconfig's current context, or the current context's namespace, as
// `kubectl config` would; other commands then use them.
func useCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "use",
		Usage: "Set the kubeconfig's current context or its namespace",
		Subcommands: []*cli.Command{{
			Name:      "context",
			Usage:     "Make NAME the kubeconfig's current context",
			ArgsUsage: "NAME",
			Flags:     urfaveFlags(globalFlags),
			Action: func(c *cli.Context) error {
				flags := newFlagValues()
				flags.fromCommand(c, globalFlags)
				name, err := oneArg(c, "use context", "NAME (the kube context; 'devspace list contexts' lists them)")
				if err != nil {
					return err
				}
				if err := kube.UseContext(kubeGetenv(flags), name); err != nil {
					return fmt.Errorf("use context: %w", err)
				}
				fmt.Fprintf(stdio.Stdout, "Using kube context %q\n", name)
				return nil
			},
		}, {
			Name:      "namespace",
			Usage:     "Make NAME the current kube context's default namespace",
			ArgsUsage: "NAME",
			Flags:     urfaveFlags(append(append([]flagSpec{}, globalFlags...), useNamespaceFlags...)),
			Action: func(c *cli.Context) error {
				flags := newFlagValues()
				flags.fromCommand(c, append(append([]flagSpec{}, globalFlags...), useNamespaceFlags...))
				return useNamespace(c, flags, stdio)
			},
		}},
	}
}

func useNamespace(c *cli.Context, flags *flagValues, stdio IO) error {
	getenv := kubeGetenv(flags)
	if flags.boolean("reset") {
		if c.Args().Present() {
			return &exitError{code: 2, msg: "devspace use namespace: --reset takes no NAME"}
		}
		ctxName, err := kube.SetNamespace(getenv, flags.str("kube-context"), "")
		if err != nil {
			return fmt.Errorf("use namespace: %w", err)
		}
		fmt.Fprintf(stdio.Stdout, "Kube context %q uses the namespace \"default\" again\n", ctxName)
		return nil
	}
	name, err := oneArg(c, "use namespace", "NAME (the namespace; 'devspace list namespaces' lists them)")
	if err != nil {
		return err
	}
	cl, err := kube.Open(kube.Options{Getenv: getenv, Context: flags.str("kube-context")})
	if err != nil {
		return fmt.Errorf("use namespace: %w", err)
	}
	exists, err := cl.NamespaceExists(c.Context, name)
	switch {
	case err != nil:
		return fmt.Errorf("use namespace: %w", err)
	case !exists && !flags.boolean("create"):
		return fmt.Errorf("use namespace: namespace %q does not exist in kube context %q; add --create to create it", name, cl.Context)
	case !exists:
		if err := cl.EnsureNamespace(c.Context, name); err != nil {
			return fmt.Errorf("use namespace: %w", err)
		}
	}
	ctxName, err := kube.SetNamespace(getenv, cl.Context, name)
	if err != nil {
		return fmt.Errorf("use namespace: %w", err)
	}
	fmt.Fprintf(stdio.Stdout, "Kube context %q uses the namespace %q\n", ctxName, name)
	return nil
}

// oneArg is the command's single positional argument, or a usage error.
func oneArg(c *cli.Context, command, what string) (string, error) {
	if c.NArg() != 1 {
		return "", &exitError{code: 2, msg: fmt.Sprintf("devspace %s: expected one argument, %s; got %d", command, what, c.NArg())}
	}
	return c.Args().First(), nil
}

// kubeGetenv is os.Getenv with --kubeconfig, when given, as KUBECONFIG.
func kubeGetenv(flags *flagValues) func(string) string {
	kc := flags.str("kubeconfig")
	return func(key string) string {
		if key == "KUBECONFIG" && kc != "" {
			return kc
		}
		return os.Getenv(key)
	}
}
