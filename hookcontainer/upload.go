package hookcontainer

import (
	"archive/tar"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// Upload copies h.upload.localPath (a file or a directory, relative to
// the config's directory) to h.upload.containerPath in the container h
// selects, as `cp -r` would: the container path is the copy's name, its
// parent directory is made when missing, and files already there are
// overwritten. The files go through tar, which the container must have.
func (r *Runner) Upload(ctx context.Context, h *config.Hook) error {
	if h.Upload == nil {
		return fmt.Errorf("%s: no upload", Name(h))
	}
	// A localPath that is a link stands for what it points to.
	local, err := filepath.EvalSymlinks(r.localPath(h.Upload.LocalPath))
	if err != nil {
		return fmt.Errorf("%s: upload.localPath: %w", Name(h), err)
	}
	dest := path.Clean(cmp.Or(h.Upload.ContainerPath, "."))
	c, pod, ok, err := r.target(ctx, h, ready, "running")
	if !ok || err != nil {
		return err
	}
	return r.once(ctx, h, c, pod, []string{"upload", local, dest}, func() error {
		fmt.Fprintf(r.o.Log, "%s: upload %s to %s in %s\n", Name(h), local, dest, pod)
		if err := upload(ctx, c, pod, local, dest); err != nil {
			return fmt.Errorf("%s: upload %s to %s in %s: %w", Name(h), local, dest, pod, err)
		}
		return nil
	})
}

func upload(ctx context.Context, c *kube.Client, pod kube.Pod, local, dest string) error {
	dir, base := path.Dir(dest), path.Base(dest)
	if err := run(ctx, c, pod, kube.ExecOptions{}, "mkdir", "-p", dir); err != nil {
		return err
	}
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	packed := make(chan error, 1)
	go func() {
		err := writeTar(pw, local, base)
		pw.CloseWithError(err)
		if err != nil {
			cancel() // the container's tar would wait for the rest
		}
		packed <- err
	}()
	err := run(ectx, c, pod, kube.ExecOptions{Stdin: pr}, "tar", "-xf", "-", "-C", dir)
	pr.Close() // a failed tar stops the packing
	if perr := <-packed; perr != nil && !errors.Is(perr, io.ErrClosedPipe) {
		return perr
	}
	return err
}

// writeTar writes local (a file or a tree) to w as a tar archive whose
// entries are under name. Symbolic links are kept as links.
func writeTar(w io.Writer, local, name string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(local, p)
		if err != nil {
			return err
		}
		return addEntry(tw, p, path.Join(name, filepath.ToSlash(rel)), d)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

func addEntry(tw *tar.Writer, p, name string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	} else if !info.Mode().IsRegular() && !info.IsDir() {
		return nil // sockets, devices, pipes: nothing to copy
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = name
	if info.IsDir() {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

// run runs a helper command in the container; its error carries the
// command's stderr.
func run(ctx context.Context, c *kube.Client, pod kube.Pod, opts kube.ExecOptions, cmd ...string) error {
	var stderr kube.LockedBuffer
	opts.Stderr = &stderr
	err := kube.Exec(ctx, c, pod, cmd, opts)
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s: %s (%w)", strings.Join(cmd, " "), msg, err)
		}
		return fmt.Errorf("%s: %w", strings.Join(cmd, " "), err)
	}
	return nil
}
