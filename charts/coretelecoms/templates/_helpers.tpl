{{/*
Shared names and labels. Object names are fixed (coretelecoms-…), not derived from the release name:
the WorkflowTemplates are named by the pipeline (coretelecoms-daily, coretelecoms-backfill), so there is
one release per namespace, and the pods find the ConfigMaps and secrets by these names.
*/}}

{{- define "coretelecoms.labels" -}}
app.kubernetes.io/name: coretelecoms
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: coretelecoms
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{/* The reference of one step image: [registry/]repository:tag[@digest]; `list $ "loader"`. */}}
{{- define "coretelecoms.image" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $image := index $root.Values.images $name -}}
{{- $registry := $root.Values.imageRegistry | trimSuffix "/" -}}
{{- $repository := $image.repository -}}
{{- if $registry }}{{ $repository = printf "%s/%s" $registry $repository }}{{ end -}}
{{- $tag := $image.tag | default $root.Values.imageTag | default $root.Chart.AppVersion -}}
{{- printf "%s:%s" $repository $tag -}}
{{- with $image.digest }}@{{ . }}{{ end -}}
{{- end }}

{{/* The ServiceAccount a step image's pods run as (the IRSA role of that image trusts exactly this name). */}}
{{- define "coretelecoms.stepServiceAccountName" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- (index $root.Values.serviceAccounts.steps $name).name -}}
{{- end }}

{{/* The ServiceAccount of the workflow's own pods (exit handler, date listing): Argo executor rights only. */}}
{{- define "coretelecoms.workflowServiceAccountName" -}}
{{- .Values.serviceAccounts.workflow.name -}}
{{- end }}

{{/* The claim mounted as CORETELECOMS_HOME when stateVolume is enabled. */}}
{{- define "coretelecoms.stateClaimName" -}}
{{- .Values.stateVolume.existingClaim | default "coretelecoms-state" -}}
{{- end }}

{{/* Restricted Pod Security Standard for the chart's own pods (the workflow pods get theirs from Hera). */}}
{{- define "coretelecoms.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
