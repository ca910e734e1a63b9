package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

const bashCompletion = `_devspace_complete() {
  local cur words
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 2 ] && [ "${COMP_WORDS[1]}" = run-pipeline ]; then
    words=$(devspace list pipelines 2>/dev/null | awk 'NR>1 {print $1}')
  elif [ "$COMP_CWORD" -eq 2 ] && [ "${COMP_WORDS[1]}" = run ]; then
    words=$(devspace list commands 2>/dev/null | awk 'NR>1 {print $1}')
  else
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _devspace_complete devspace
`

func completionCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "Print a shell completion script (bash, zsh via bashcompinit, fish)",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash", "zsh", "":
				_, err := fmt.Fprint(stdio.Stdout, bashCompletion)
				return err
			case "fish":
				out, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(stdio.Stdout, out)
				return err
			}
			return &exitError{code: 2, msg: fmt.Sprintf("completion: unknown shell %q: use bash, zsh or fish", c.Args().First())}
		},
	}
}
