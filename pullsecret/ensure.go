package pullsecret

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
)

// secretType is the type of image pull secrets.
const secretType = "kubernetes.io/dockerconfigjson"

// Logins finds stored registry logins (docker.Credentials).
type Logins interface {
	Login(host string) (user, password string, err error)
}

// Ensurer creates and updates pull secrets in a cluster.
type Ensurer struct {
	Client *kube.Client
	// Log returns where secret name's progress and warnings go.
	Log func(name string) io.Writer
	// WaitServiceAccount bounds the wait for a service account that does
	// not exist yet (a fresh namespace gets `default` within seconds).
	WaitServiceAccount time.Duration
}

type authEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Auth     string `json:"auth"`
}

// Ensure makes every secret exist in every namespace with its login,
// and lists it in the chosen service accounts. Nothing is written when
// nothing changed.
func (e *Ensurer) Ensure(ctx context.Context, secrets []Resolved, namespaces []string) error {
	var errs []error
	for _, ns := range namespaces {
		for _, s := range secrets {
			if err := e.ensureOne(ctx, s.Secret, s.entry, ns); err != nil {
				errs = append(errs, fmt.Errorf("pull secret %s in namespace %s: %w", s.Name, ns, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Resolved is a secret with the login it will hold.
type Resolved struct {
	Secret
	entry authEntry
}

// Resolve finds each secret's login: the config's, else the stored Docker
// login. Secrets without one are left out, with a warning on warn(name)
// when the config asked for them, so that a registry that needs no login
// costs nothing and one that does is not left to fail at pull time.
func Resolve(secrets []Secret, logins Logins, warn func(name string) io.Writer) ([]Resolved, error) {
	var out []Resolved
	for _, s := range secrets {
		user, pass := s.Username, s.Password
		if user == "" && pass == "" && logins != nil {
			var err error
			if user, pass, err = logins.Login(s.Registry); err != nil {
				return nil, fmt.Errorf("pull secret %s: %w", s.Name, err)
			}
		}
		if user == "" && pass == "" {
			if s.Explicit {
				fmt.Fprintf(warn(s.Name), "Warning: no login for registry %s, so no pull secret was created; run `docker login %s` (or set pullSecrets.%s.username and password), else pods pulling from it fail with ErrImagePull\n", s.Registry, s.Registry, s.Name)
			}
			continue
		}
		out = append(out, Resolved{Secret: s, entry: authEntry{Username: user, Password: pass, Email: s.Email,
			Auth: base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))}})
	}
	return out, nil
}

// registryKey is how .dockerconfigjson names a registry: as written in
// image references, Docker Hub by its index URL.
func registryKey(registry string) string {
	if registry == "docker.io" {
		return "https://index.docker.io/v1/"
	}
	return registry
}

func (e *Ensurer) ensureOne(ctx context.Context, s Secret, entry authEntry, ns string) error {
	log := e.Log(s.Name)
	ref := kube.Ref{APIVersion: "v1", Kind: "Secret", Namespace: ns, Name: s.SecretName}
	cur, err := e.Client.Get(ctx, ref)
	if err != nil {
		return err
	}
	auths, err := existingAuths(cur)
	if err != nil {
		return err
	}
	key := registryKey(s.Registry)
	if old, ok := auths[key]; !ok || !reflect.DeepEqual(old, entry) {
		auths[key] = entry
		if err := e.writeSecret(ctx, ref, auths); err != nil {
			return err
		}
		verb := "Created"
		if cur != nil {
			verb = "Updated"
		}
		fmt.Fprintf(log, "%s pull secret %s for registry %s in namespace %s\n", verb, s.SecretName, s.Registry, ns)
	}
	for _, sa := range s.ServiceAccounts {
		if err := e.addToServiceAccount(ctx, ns, sa, s.SecretName, log); err != nil {
			return err
		}
	}
	return nil
}

// existingAuths reads the registries a secret already holds (others than
// ours are kept when it is updated).
func existingAuths(cur *unstructured.Unstructured) (map[string]authEntry, error) {
	auths := map[string]authEntry{}
	if cur == nil {
		return auths, nil
	}
	if t, _, _ := unstructured.NestedString(cur.Object, "type"); t != secretType {
		return nil, fmt.Errorf("secret %s exists with type %q, not %s; name another with pullSecrets.NAME.secret", cur.GetName(), t, secretType)
	}
	enc, _, _ := unstructured.NestedString(cur.Object, "data", ".dockerconfigjson")
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("secret %s: .dockerconfigjson: %w", cur.GetName(), err)
	}
	var doc struct {
		Auths map[string]authEntry `json:"auths"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("secret %s: .dockerconfigjson: %w", cur.GetName(), err)
		}
	}
	for k, v := range doc.Auths {
		auths[k] = v
	}
	return auths, nil
}

func (e *Ensurer) writeSecret(ctx context.Context, ref kube.Ref, auths map[string]authEntry) error {
	data, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": secretType,
		"metadata": map[string]any{"name": ref.Name, "namespace": ref.Namespace},
		"data":     map[string]any{".dockerconfigjson": base64.StdEncoding.EncodeToString(data)},
	}}
	_, err = e.Client.Apply(ctx, obj, ref.Namespace)
	return err
}

// addToServiceAccount lists secret in the account's imagePullSecrets,
// waiting for the account to appear and retrying when someone else
// changed it in between.
func (e *Ensurer) addToServiceAccount(ctx context.Context, ns, sa, secret string, log io.Writer) error {
	ref := kube.Ref{APIVersion: "v1", Kind: "ServiceAccount", Namespace: ns, Name: sa}
	wait := e.WaitServiceAccount
	if wait <= 0 {
		wait = 30 * time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		obj, err := e.Client.Get(ctx, ref)
		if err != nil {
			return err
		}
		if obj == nil {
			if time.Now().After(deadline) {
				return fmt.Errorf("service account %s does not exist in namespace %s (waited %s); create it or list others in serviceAccounts", sa, ns, wait)
			}
			if err := sleep(ctx, 250*time.Millisecond); err != nil {
				return err
			}
			continue
		}
		list, _, _ := unstructured.NestedSlice(obj.Object, "imagePullSecrets")
		if slices.ContainsFunc(list, func(v any) bool { m, _ := v.(map[string]any); return m["name"] == secret }) {
			return nil
		}
		patch, _ := json.Marshal(map[string]any{
			"metadata":         map[string]any{"resourceVersion": obj.GetResourceVersion()},
			"imagePullSecrets": append(list, map[string]any{"name": secret}),
		})
		_, err = e.Client.MergePatch(ctx, ref, patch)
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "Added pull secret %s to service account %s in namespace %s\n", secret, sa, ns)
		return nil
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
