using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Tables;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>The built-in resources the emulator serves, with the per-kind facts of kube-apiserver 1.32.</summary>
internal static class BuiltInResources
{
    public static IEnumerable<ResourceType> Create()
    {
        yield return Define("", "v1", "namespaces", "Namespace", false, new NamespaceStrategy(), BuiltInTables.Namespace,
            hasStatus: true, shortNames: ["ns"],
            labels: FieldLabels.Create(false, FieldLabels.Path("status.phase")),
            lists: new() { ["status.conditions"] = ListShape.KeyedBy("type") });

        yield return Define("", "v1", "secrets", "Secret", true, new SecretStrategy(isSecret: true), BuiltInTables.Secret,
            labels: FieldLabels.Create(true, FieldLabels.Path("type")));

        yield return Define("", "v1", "configmaps", "ConfigMap", true, new SecretStrategy(isSecret: false), BuiltInTables.ConfigMap,
            shortNames: ["cm"]);

        yield return Define("", "v1", "services", "Service", true, new ServiceStrategy(), BuiltInTables.Service,
            hasStatus: true, shortNames: ["svc"], categories: ["all"],
            lists: new()
            {
                ["spec.ports"] = ListShape.PortsKeyedBy("port"),
                ["status.conditions"] = ListShape.KeyedBy("type"),
            });

        yield return Define("", "v1", "serviceaccounts", "ServiceAccount", true, new ServiceAccountStrategy(), BuiltInTables.ServiceAccount,
            shortNames: ["sa"],
            lists: new() { ["secrets"] = ListShape.KeyedBy("name"), ["imagePullSecrets"] = ListShape.KeyedBy("name") });

        yield return Define("", "v1", "events", "Event", true,
            new ObjectStrategy
            {
                AllowCreateOnUpdate = true,
                TimeFields =
                [
                    new TimeField("firstTimestamp"), new TimeField("lastTimestamp"), new TimeField("eventTime", Micro: true),
                    new TimeField("series.lastObservedTime", Micro: true),
                ],
            },
            BuiltInTables.Event, shortNames: ["ev"],
            labels: FieldLabels.Create(true,
                FieldLabels.Path("involvedObject.kind"), FieldLabels.Path("involvedObject.namespace"),
                FieldLabels.Path("involvedObject.name"), FieldLabels.Path("involvedObject.uid"),
                FieldLabels.Path("involvedObject.apiVersion"), FieldLabels.Path("involvedObject.resourceVersion"),
                FieldLabels.Path("involvedObject.fieldPath"), FieldLabels.Path("reason"),
                FieldLabels.Path("reportingComponent"), FieldLabels.Path("type"),
                ("source", obj => obj.StringAt("source", "component"))));

        yield return Define("", "v1", "pods", "Pod", true,
            new ObjectStrategy
            {
                InitialStatus = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" },
                ReturnDeletedObject = true,
                TimeFields = [new TimeField("status.startTime"), new TimeField("status.conditions[].lastTransitionTime")],
            },
            BuiltInTables.Pod, hasStatus: true, shortNames: ["po"], categories: ["all"],
            labels: FieldLabels.Create(true,
                FieldLabels.Path("spec.nodeName"), FieldLabels.Path("spec.restartPolicy"), FieldLabels.Path("spec.schedulerName"),
                FieldLabels.Path("spec.serviceAccountName"), ("spec.hostNetwork", obj => obj.At("spec", "hostNetwork").AsBool() == true ? "true" : "false"),
                FieldLabels.Path("status.phase"), FieldLabels.Path("status.podIP"), FieldLabels.Path("status.nominatedNodeName")),
            lists: new()
            {
                ["spec.containers"] = ListShape.KeyedBy("name"),
                ["spec.initContainers"] = ListShape.KeyedBy("name"),
                ["spec.containers.env"] = ListShape.KeyedBy("name"),
                ["spec.initContainers.env"] = ListShape.KeyedBy("name"),
                ["spec.containers.ports"] = ListShape.PortsKeyedBy("containerPort"),
                ["spec.containers.volumeMounts"] = ListShape.KeyedBy("mountPath"),
                ["spec.volumes"] = ListShape.KeyedBy("name"),
                ["spec.imagePullSecrets"] = ListShape.KeyedBy("name"),
                ["status.conditions"] = ListShape.KeyedBy("type"),
            });

        yield return Define("coordination.k8s.io", "v1", "leases", "Lease", true,
            new ObjectStrategy
            {
                AllowCreateOnUpdate = true,
                AllowUnconditionalUpdate = false,
                TimeFields = [new TimeField("spec.acquireTime", Micro: true), new TimeField("spec.renewTime", Micro: true)],
            },
            BuiltInTables.Lease);

        yield return Define("networking.k8s.io", "v1", "ingresses", "Ingress", true, new IngressStrategy(),
            BuiltInTables.Ingress, hasStatus: true, shortNames: ["ing"]);

        yield return Define("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false,
            new ObjectStrategy { Generation = GenerationPolicy.Spec }, BuiltInTables.IngressClass);

        yield return Define("apps", "v1", "deployments", "Deployment", true, new DeploymentStrategy(), BuiltInTables.Default,
            hasStatus: true, shortNames: ["deploy"], categories: ["all"],
            lists: new()
            {
                ["spec.template.spec.containers"] = ListShape.KeyedBy("name"),
                ["spec.template.spec.initContainers"] = ListShape.KeyedBy("name"),
                ["spec.template.spec.containers.env"] = ListShape.KeyedBy("name"),
                ["spec.template.spec.containers.ports"] = ListShape.PortsKeyedBy("containerPort"),
                ["spec.template.spec.containers.volumeMounts"] = ListShape.KeyedBy("mountPath"),
                ["spec.template.spec.volumes"] = ListShape.KeyedBy("name"),
                ["spec.template.spec.imagePullSecrets"] = ListShape.KeyedBy("name"),
                ["status.conditions"] = ListShape.KeyedBy("type"),
            });

        yield return Define("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, new PodDisruptionBudgetStrategy(),
            BuiltInTables.Default, hasStatus: true, shortNames: ["pdb"],
            lists: new() { ["status.conditions"] = ListShape.KeyedBy("type") });

        yield return Define("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, new NetworkPolicyStrategy(),
            BuiltInTables.Default, shortNames: ["netpol"]);

        yield return Define("rbac.authorization.k8s.io", "v1", "roles", "Role", true, new RoleStrategy(namespaced: true), BuiltInTables.Default);
        yield return Define("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, new RoleStrategy(namespaced: false),
            BuiltInTables.Default);
        yield return Define("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, new RoleBindingStrategy(namespaced: true),
            BuiltInTables.Default);
        yield return Define("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false,
            new RoleBindingStrategy(namespaced: false), BuiltInTables.Default);

        yield return Define("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, new EndpointSliceStrategy(),
            BuiltInTables.EndpointSlice);

        yield return Define(ApiServiceStrategy.Group, "v1", "apiservices", "APIService", false, new ApiServiceStrategy(),
            BuiltInTables.Default, hasStatus: true, lists: new() { ["status.conditions"] = ListShape.KeyedBy("type") });

        yield return Define("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false,
            new CustomResourceDefinitionStrategy(), BuiltInTables.Default, hasStatus: true, shortNames: ["crd", "crds"],
            lists: new() { ["spec.versions"] = ListShape.KeyedBy("name"), ["status.conditions"] = ListShape.KeyedBy("type") });
    }

    private static ResourceType Define(
        string group, string version, string plural, string kind, bool namespaced, ObjectStrategy strategy, TableConvertor table,
        bool hasStatus = false, string[]? shortNames = null, string[]? categories = null, FieldLabels? labels = null,
        Dictionary<string, ListShape>? lists = null)
    {
        var served = new ServedVersion
        {
            Name = version,
            ApiVersion = group.Length == 0 ? version : $"{group}/{version}",
            HasStatus = hasStatus,
            Table = table,
            FieldLabels = labels ?? FieldLabels.Create(namespaced),
        };
        return new ResourceType
        {
            Group = group,
            Plural = plural,
            Singular = kind.ToLowerInvariant(),
            Kind = kind,
            ListKind = kind + "List",
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            Versions = [served],
            Storage = served,
            Strategy = strategy,
            Shapes = lists is null ? BuiltInShapes.None : new BuiltInShapes(lists),
        };
    }
}
