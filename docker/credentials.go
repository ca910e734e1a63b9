package docker

import "os"

// Credentials reads registry credentials from the Docker config without
// a daemon: pull secrets need the login, not the engine.
type Credentials struct {
	creds *authCache
	// Seen, when set, is told every password or identity token Login
	// hands out, so the run can mask it wherever text leaves the process.
	Seen func(secret string)
}

// NewCredentials reads the Docker config that getenv points at
// (DOCKER_CONFIG, else ~/.docker; nil getenv means os.Getenv).
func NewCredentials(getenv func(string) string) (*Credentials, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	file, _, fileErr, err := loadConfigFile(getenv, "")
	if err != nil {
		return nil, err
	}
	return &Credentials{creds: newAuthCache(file, fileErr)}, nil
}

// Login returns the username and password (or identity token) stored for
// a registry host ("docker.io" for Docker Hub); both empty when there is
// no login.
func (c *Credentials) Login(host string) (user, password string, err error) {
	a, err := c.creds.get(host)
	if err != nil {
		return "", "", err
	}
	password = a.Password
	if a.IdentityToken != "" {
		password = a.IdentityToken
	}
	if c.Seen != nil && password != "" {
		c.Seen(password)
	}
	return a.Username, password, nil
}
