{{/* Labels that select the component's pods. */}}
{{- define "component.selector" -}}
app.kubernetes.io/name: devspace-app
app.kubernetes.io/component: {{ .Release.Name | quote }}
{{- end }}

{{/* Labels of every object: the selector, Helm's, the user's. */}}
{{- define "component.labels" -}}
{{ include "component.selector" . }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* A StatefulSet when a volume is persistent (has a size) or a pod
management policy is asked for; a Deployment otherwise. */}}
{{- define "component.stateful" -}}
{{- $stateful := .Values.podManagementPolicy -}}
{{- range .Values.volumes }}{{ if .size }}{{ $stateful = true }}{{ end }}{{ end -}}
{{- if $stateful }}true{{ end -}}
{{- end }}

{{/* One container: (dict "c" CONTAINER "name" DEFAULT-NAME "where" PATH). */}}
{{- define "component.container" -}}
- name: {{ .c.name | default .name | quote }}
  image: {{ required (printf "%s.image is required" .where) .c.image | quote }}
{{- range $k := list "command" "args" "env" "envFrom" "workingDir" "imagePullPolicy" "securityContext" "stdin" "tty" "livenessProbe" "readinessProbe" "startupProbe" "lifecycle" }}
{{- if hasKey $.c $k }}
  {{ $k }}:{{ toYaml (get $.c $k) | nindent 4 }}
{{- end }}
{{- end }}
{{- with .c.resources }}
  resources:
{{- range $part := list "limits" "requests" }}
{{- with get $.c.resources $part }}
    {{ $part }}:
{{- range $name, $q := . }}
      {{ if eq $name "ephemeralStorage" }}ephemeral-storage{{ else }}{{ $name }}{{ end }}: {{ $q | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- with .c.volumeMounts }}
  volumeMounts:
{{- range $i, $m := . }}
  - mountPath: {{ required (printf "%s.volumeMounts[%d].containerPath is required" $.where $i) $m.containerPath | quote }}
    name: {{ required (printf "%s.volumeMounts[%d].volume.name is required" $.where $i) ($m.volume | default dict).name | quote }}
{{- with $m.volume.subPath }}
    subPath: {{ . | quote }}
{{- end }}
{{- with $m.volume.readOnly }}
    readOnly: {{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
