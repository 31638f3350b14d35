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

{{/* "true" when the silos use TLS among themselves: siloTls.enabled, or when unset, redis storage or several replicas. */}}
{{- define "certfleet.siloTls.enabled" -}}
{{- if kindIs "bool" .Values.siloTls.enabled -}}
{{- if .Values.siloTls.enabled }}true{{ end -}}
{{- else if or (eq .Values.storage.type "redis") (gt (int .Values.replicaCount) 1) -}}
true
{{- end -}}
{{- end -}}

{{/* The kubernetes.io/tls Secret the silos' certificate comes from. */}}
{{- define "certfleet.siloTls.secretName" -}}
{{- .Values.siloTls.existingSecret | default (printf "%s-silo-tls" (include "certfleet.fullname" .)) -}}
{{- end -}}

{{/* The leader-election Lease: the silo's default name (certfleet-controller) for a release named certfleet. */}}
{{- define "certfleet.leaseName" -}}
{{- printf "%s-controller" (include "certfleet.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
