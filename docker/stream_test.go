package docker

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr *StreamError
	}{{
		name: "build output, split lines and aux",
		in: `{"stream":"Step 1/2 : FROM x\n"}{"stream":" ---\u003e abc\n"}{"stream":"partial "}{"stream":"line\n"}` +
			`{"aux":{"ID":"sha256:1"}}{"stream":"no newline at the end"}`,
		want: "Step 1/2 : FROM x\n ---> abc\npartial line\nno newline at the end\n",
	}, {
		name: "push status without progress bars",
		in: `{"status":"The push refers to repository [r/x]"}{"status":"Preparing","progressDetail":{},"id":"l1"}` +
			`{"status":"Pushing","progressDetail":{"current":5,"total":10},"id":"l1"}{"status":"Pushed","progressDetail":{},"id":"l1"}`,
		want: "The push refers to repository [r/x]\nl1: Preparing\nl1: Pushed\n",
	}, {
		name:    "error detail",
		in:      `{"stream":"Step 2/2 : RUN exit 3\n"}{"errorDetail":{"code":3,"message":"returned a non-zero code: 3"},"error":"returned a non-zero code: 3"}{"stream":"never read\n"}`,
		want:    "Step 2/2 : RUN exit 3\n",
		wantErr: &StreamError{Message: "returned a non-zero code: 3", Code: 3},
	}, {
		name:    "error without detail",
		in:      `{"error":"boom"}`,
		wantErr: &StreamError{Message: "boom"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			var auxes int
			err := readStream(strings.NewReader(tt.in), newLineWriter(&out), func(m *message) {
				if len(m.Aux) > 0 {
					auxes++
				}
			})
			var se *StreamError
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != nil && !errors.As(err, &se):
				t.Fatalf("error %v, want a *StreamError", err)
			case tt.wantErr != nil:
				if diff := cmp.Diff(tt.wantErr, se); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if strings.Contains(tt.in, `"aux"`) && auxes == 0 {
				t.Error("aux message not observed")
			}
		})
	}
}
