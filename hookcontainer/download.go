package hookcontainer

import (
	"archive/tar"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// Download copies h.download.containerPath (a file or a directory) from
// the container h selects to h.download.localPath (relative to the
// config's directory), as `cp -r` would: the local path is the copy's
// name, its parent directories are made, files already there are
// overwritten. Symbolic links are left out (one could point a later entry
// outside localPath); the log names them.
func (r *Runner) Download(ctx context.Context, h *config.Hook) error {
	if h.Download == nil {
		return fmt.Errorf("%s: no download", Name(h))
	}
	local := r.localPath(h.Download.LocalPath)
	src := path.Clean(cmp.Or(h.Download.ContainerPath, "."))
	c, pod, ok, err := r.target(ctx, h, ready, "running")
	if !ok || err != nil {
		return err
	}
	return r.once(ctx, h, c, pod, []string{"download", src, local}, func() error {
		fmt.Fprintf(r.o.Log, "%s: download %s from %s to %s\n", Name(h), src, pod, local)
		if err := r.download(ctx, c, pod, src, local); err != nil {
			return fmt.Errorf("%s: download %s from %s to %s: %w", Name(h), src, pod, local, err)
		}
		return nil
	})
}

func (r *Runner) download(ctx context.Context, c *kube.Client, pod kube.Pod, src, local string) error {
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	packed := make(chan error, 1)
	go func() {
		err := run(ectx, c, pod, kube.ExecOptions{Stdout: pw}, "tar", "-cf", "-", "-C", path.Dir(src), path.Base(src))
		pw.CloseWithError(err)
		packed <- err
	}()
	err := r.extract(pr, path.Base(src), local)
	pr.CloseWithError(err) // a failed extraction stops the container's tar
	if err != nil {
		cancel()
	}
	// The container's tar failing says more (a missing file) than what
	// its output then lacks.
	perr := <-packed
	var exit *kube.ExitError
	if err == nil || errors.As(perr, &exit) {
		return perr
	}
	return err
}

// extract writes the entries of a tar archive, all under name, to local.
func (r *Runner) extract(in io.Reader, name, local string) error {
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		dest, err := destination(hdr.Name, name, local)
		if err != nil {
			return err
		}
		if err := r.extractEntry(tr, hdr, dest); err != nil {
			return err
		}
	}
}

// destination maps an entry under name to its place under local,
// refusing names that would leave it.
func destination(entry, name, local string) (string, error) {
	entry = path.Clean(strings.TrimPrefix(entry, "/"))
	rel := entry
	if name != "." {
		switch {
		case entry == name:
			rel = "."
		case strings.HasPrefix(entry, name+"/"):
			rel = entry[len(name)+1:]
		default:
			return "", fmt.Errorf("tar entry %q is not under %q", entry, name)
		}
	}
	if !filepath.IsLocal(rel) && rel != "." {
		return "", fmt.Errorf("tar entry %q leaves the destination", entry)
	}
	return filepath.Join(local, filepath.FromSlash(rel)), nil
}

func (r *Runner) extractEntry(tr *tar.Reader, hdr *tar.Header, dest string) error {
	mode := os.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(dest, mode|0o700)
	case tar.TypeReg:
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode|0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		return errors.Join(err, f.Close())
	}
	fmt.Fprintf(r.o.Log, "download: %s left out (not a file or directory)\n", hdr.Name)
	return nil
}
