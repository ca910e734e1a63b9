// Package sshd runs dev.*.ssh: the sync agent's SSH server in the dev
// container, a local port forwarded to it, devspace's key pair and host
// key under ~/.devspace/ssh, and a Host entry in ~/.ssh/config that
// lives as long as the dev session.
package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/devspace-engine/devspace/statefile"
)

// The files under ~/.devspace/ssh, as DevSpace names them (ed25519 keys
// where DevSpace makes RSA ones).
const (
	userKeyFile    = "id_devspace_ed25519"
	hostKeyFile    = "id_devspace_host_ed25519"
	knownHostsFile = "known_hosts"
)

// Keys are the key pair the client logs in with and the server's host key.
type Keys struct {
	Dir string // ~/.devspace/ssh
	// AuthorizedKey is the user key's public half, authorized_keys style.
	AuthorizedKey string
	// HostKey is the host key's private half, PEM.
	HostKey string
}

// UserKeyPath is the client's private key file.
func (k Keys) UserKeyPath() string { return filepath.Join(k.Dir, userKeyFile) }

// KnownHostsPath is the file that holds the host key for the Host entries.
func (k Keys) KnownHostsPath() string { return filepath.Join(k.Dir, knownHostsFile) }

// LoadKeys reads the keys under home/.devspace/ssh, generating those
// missing (each file written atomically, 0600), under a lock so that two
// devspace processes agree on one pair.
func LoadKeys(home string) (Keys, error) {
	k := Keys{Dir: filepath.Join(home, ".devspace", "ssh")}
	err := statefile.Locked(filepath.Join(k.Dir, "keys"), func() error {
		user, err := ensureKey(filepath.Join(k.Dir, userKeyFile))
		if err != nil {
			return err
		}
		host, err := ensureKey(filepath.Join(k.Dir, hostKeyFile))
		if err != nil {
			return err
		}
		k.AuthorizedKey = string(ssh.MarshalAuthorizedKey(user.PublicKey()))
		hostPEM, err := os.ReadFile(filepath.Join(k.Dir, hostKeyFile))
		if err != nil {
			return err
		}
		k.HostKey = string(hostPEM)
		// The Host entries name their host key alias; "*" is safe here as
		// only they read this file.
		known := "* " + string(ssh.MarshalAuthorizedKey(host.PublicKey()))
		if err := statefile.WriteAtomic(k.KnownHostsPath(), []byte(known)); err != nil {
			return err
		}
		return statefile.WriteAtomic(filepath.Join(k.Dir, userKeyFile+".pub"), []byte(k.AuthorizedKey))
	})
	if err != nil {
		return Keys{}, fmt.Errorf("ssh keys in %s: %w", k.Dir, err)
	}
	return k, nil
}

// ensureKey reads the private key at path, generating an ed25519 one
// when there is none.
func ensureKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, gerr
		}
		block, merr := ssh.MarshalPrivateKey(priv, "devspace")
		if merr != nil {
			return nil, merr
		}
		data = pem.EncodeToMemory(block)
		err = statefile.WriteAtomic(path, data)
	}
	if err != nil {
		return nil, err
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (delete it to get a new one)", path, err)
	}
	return signer, nil
}
