package config

// ScriptAt locates the script stored at a dotted path (e.g.
// "functions.hello") so that parse errors in it point into the file.
func (c *Config) ScriptAt(path string) ScriptSource {
	return c.scriptSource(path)
}
