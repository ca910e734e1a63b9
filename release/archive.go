package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// file is one entry of an archive.
type file struct {
	name, path string
	mode       int64
}

// writeArchive writes a tar.gz whose entries sit under the directory
// top, dated t (the commit's, so that a rebuild is the same archive).
func writeArchive(path, top string, t time.Time, files []file) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: t}); err != nil {
		return err
	}
	for _, e := range files {
		if err := addFile(tw, top+"/"+e.name, e, t); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func addFile(tw *tar.Writer, name string, e file, t time.Time) error {
	src, err := os.Open(e.path)
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: e.mode, Size: info.Size(), ModTime: t}); err != nil {
		return err
	}
	_, err = io.Copy(tw, src)
	return err
}

// writeChecksums writes each archive's sha256 as sha256sum prints it.
func writeChecksums(path string, archives []string) error {
	var b strings.Builder
	for _, a := range archives {
		data, err := os.ReadFile(a)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), filepath.Base(a))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
