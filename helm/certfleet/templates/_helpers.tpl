{{/* Name of the release's objects, at most 63 characters. */}}
{{- define "certfleet.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the silo Pods; never change them after install. */}}
{{- define "certfleet.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "certfleet.labels" -}}
{{ include "certfleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "certfleet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "certfleet.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The leader-election Lease: the silo's default name (certfleet-controller) for a release named certfleet. */}}
{{- define "certfleet.leaseName" -}}
{{- printf "%s-controller" (include "certfleet.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
