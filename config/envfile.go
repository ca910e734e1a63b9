package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"

	"github.com/joho/godotenv"
)

// envFileVar names the dotenv file whose entries join the environment, as
// in DevSpace (its v5 → v6 upgrade writes `DEVSPACE_ENV_FILE: .env` into
// every config).
const envFileVar = "DEVSPACE_ENV_FILE"

// loadEnvFile reads the dotenv file named by DEVSPACE_ENV_FILE (a --var,
// the environment, else `vars:`), relative to the config's directory. Its
// entries join the environment the config's variables, expressions and
// scripts see, below what the environment already sets. A file that does
// not exist is no error: DevSpace's upgrade names .env whether or not a
// project has one.
func (r *varResolver) loadEnvFile() error {
	name, err := r.envFileName()
	if name == "" || err != nil {
		return err
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.l.dir(), path)
	}
	values, err := godotenv.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		e := r.l.errorAtPath("vars."+envFileVar, "%s: read %s: %v", envFileVar, name, err)
		e.Hint = "each line of a dotenv file is NAME=VALUE (# starts a comment)"
		return e
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	environ := slices.Clip(r.l.opts.Environ)
	for _, k := range keys {
		if _, set := r.env[k]; set {
			continue
		}
		r.env[k] = values[k]
		environ = append(environ, k+"="+values[k])
	}
	r.l.opts.Environ = environ
	return nil
}

func (r *varResolver) envFileName() (string, error) {
	if v, ok := r.resolved[envFileVar]; ok { // --var
		return v, nil
	}
	if v := r.env[envFileVar]; v != "" { // set but empty: as unset, as in DevSpace
		return v, nil
	}
	if _, ok := r.defs[envFileVar]; !ok {
		return "", nil
	}
	return r.get(envFileVar)
}
