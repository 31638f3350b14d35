using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

/// <summary>
/// The built-in kinds a helm chart installs (Deployment, PodDisruptionBudget, NetworkPolicy, RBAC, APIService): stored with the
/// apiserver's defaults, and refused with its 422 wording where kube-apiserver refuses them.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class WorkloadKindsTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private static readonly Dictionary<string, string> AppLabels = new() { ["app"] = "web" };

    private static V1Deployment Deployment(string name = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = AppLabels },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(AppLabels) },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "web", Image = "nginx:1.27", Ports = [new V1ContainerPort { Name = "http", ContainerPort = 80 }] }],
                },
            },
        },
    };

    [Fact]
    public async Task Deployment_is_stored_with_the_apiservers_defaults()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(), ns);

        Assert.Equal(1, created.Spec.Replicas);
        Assert.Equal("RollingUpdate", created.Spec.Strategy.Type);
        Assert.Equal("25%", created.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, created.Spec.RevisionHistoryLimit);
        Assert.Equal("Always", created.Spec.Template.Spec.RestartPolicy);
        Assert.Equal("TCP", created.Spec.Template.Spec.Containers[0].Ports[0].Protocol);
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Fact]
    public async Task Applying_a_deployment_again_whose_ports_leave_out_the_protocol_keeps_one_entry_per_port()
    {
        var ns = await emulator.CreateNamespaceAsync();
        // What helm upgrade sends with server-side apply: the same manifest again, ports without a protocol.
        const string manifest = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"name":"http","containerPort":80},{"name":"admin","containerPort":9000}]}]}}}}
            """;

        for (var i = 0; i < 2; i++)
            await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(manifest, V1Patch.PatchType.ApplyPatch), "web", ns, fieldManager: "helm");

        var ports = (await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Ports;
        Assert.Equal(["http/80/TCP", "admin/9000/TCP"], ports.Select(p => $"{p.Name}/{p.ContainerPort}/{p.Protocol}"));
    }

    [Fact]
    public async Task Deployment_without_selector_is_refused()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var deployment = Deployment();
        deployment.Spec.Selector = null;

        var status = await ApiAssert.FailsAsync(422, () => Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns));

        Assert.Equal("Invalid", status.Reason());
        Assert.Equal("Deployment.apps \"web\" is invalid: spec.selector: Required value", status.Message());
    }

    [Fact]
    public async Task Deployment_whose_selector_misses_the_template_labels_is_refused()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var deployment = Deployment();
        deployment.Spec.Template.Metadata.Labels = new Dictionary<string, string> { ["app"] = "api", ["tier"] = "front" };

        var status = await ApiAssert.FailsAsync(422, () => Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns));

        Assert.Equal("Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: " +
            "map[string]string{\"app\":\"api\", \"tier\":\"front\"}: `selector` does not match template `labels`", status.Message());
        Assert.Equal("spec.template.metadata.labels", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deployment_containers_need_names_images_and_valid_ports()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var deployment = Deployment();
        deployment.Spec.Template.Spec.Containers =
        [
            new V1Container { Name = "", Image = "nginx" },
            new V1Container { Name = "side", Image = "", Ports = [new V1ContainerPort { ContainerPort = 70000 }, new V1ContainerPort { Name = "metrics_port", ContainerPort = 9000, Protocol = "HTTP" }] },
        ];

        var status = await ApiAssert.FailsAsync(422, () => Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns));

        var message = status.Message();
        Assert.Contains("spec.template.spec.containers[0].name: Required value", message);
        Assert.Contains("spec.template.spec.containers[1].image: Required value", message);
        Assert.Contains("spec.template.spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive", message);
        Assert.Contains("spec.template.spec.containers[1].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", message);
        Assert.Contains("spec.template.spec.containers[1].ports[1].name: Invalid value: \"metrics_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", message);
    }

    [Fact]
    public async Task Deployment_without_containers_is_refused()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var deployment = Deployment();
        deployment.Spec.Template.Spec.Containers = [];

        var status = await ApiAssert.FailsAsync(422, () => Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns));

        Assert.Contains("spec.template.spec.containers: Required value", status.Message());
    }

    [Fact]
    public async Task Deployment_selector_cannot_change()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(), ns);
        created.Spec.Selector.MatchLabels["tier"] = "front";
        created.Spec.Template.Metadata.Labels["tier"] = "front";

        var status = await ApiAssert.FailsAsync(422, () => Client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", ns));

        Assert.Contains("spec.selector: Invalid value: ", status.Message());
        Assert.EndsWith(": field is immutable", status.Message());
    }

    [Fact]
    public async Task Disruption_budget_takes_min_available_or_max_unavailable_not_both()
    {
        var ns = await emulator.CreateNamespaceAsync();
        V1PodDisruptionBudget Budget(string name, IntOrString? min, IntOrString? max) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodDisruptionBudgetSpec { MinAvailable = min, MaxUnavailable = max, Selector = new V1LabelSelector { MatchLabels = AppLabels } },
        };

        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("by-count", null, 1), ns);
        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("by-percent", "50%", null), ns);
        var both = await ApiAssert.FailsAsync(422, () => Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("both", 1, 1), ns));
        var percent = await ApiAssert.FailsAsync(422, () => Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("too-much", "150%", null), ns));
        var negative = await ApiAssert.FailsAsync(422, () => Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("negative", null, -1), ns));

        Assert.Contains("minAvailable and maxUnavailable cannot be both set", both.Message());
        Assert.StartsWith("PodDisruptionBudget.policy \"both\" is invalid: spec: Invalid value: ", both.Message());
        Assert.Equal("PodDisruptionBudget.policy \"too-much\" is invalid: spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%", percent.Message());
        Assert.Equal("PodDisruptionBudget.policy \"negative\" is invalid: spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0", negative.Message());
        Assert.Equal(2, (await Client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns)).Items.Count);
    }

    [Fact]
    public async Task Api_service_is_named_version_dot_group_and_one_backed_by_a_service_has_its_priorities()
    {
        JsonObject ApiService(string name, string group, bool priorities)
        {
            var spec = new JsonObject
            {
                ["group"] = group, ["version"] = "v1alpha1",
                ["service"] = new JsonObject { ["name"] = "webhook", ["namespace"] = "default", ["port"] = 8443 },
            };
            if (priorities)
            {
                spec["groupPriorityMinimum"] = 1000;
                spec["versionPriority"] = 15;
            }
            return new JsonObject { ["apiVersion"] = "apiregistration.k8s.io/v1", ["kind"] = "APIService", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
        }
        Task<object> Create(JsonObject body) => Client.CustomObjects.CreateClusterCustomObjectAsync(body, "apiregistration.k8s.io", "v1", "apiservices");

        await Create(ApiService("v1alpha1.acme.named.test", "acme.named.test", priorities: true));
        // Removed at once: its Service does not exist, so, as on a real API server, kubectl's discovery in the other
        // tests of this emulator would fail while it is registered.
        await Client.CustomObjects.DeleteClusterCustomObjectAsync("apiregistration.k8s.io", "v1", "apiservices", "v1alpha1.acme.named.test");
        var misnamed = await ApiAssert.FailsAsync(422, () => Create(ApiService("v1.acme.misnamed.test", "acme.misnamed.test", priorities: true)));
        var unprioritized = await ApiAssert.FailsAsync(422, () => Create(ApiService("v1alpha1.acme.bare.test", "acme.bare.test", priorities: false)));

        Assert.StartsWith("APIService.apiregistration.k8s.io \"v1.acme.misnamed.test\" is invalid: metadata.name: Invalid value: ", misnamed.Message());
        Assert.Contains("must be v1alpha1.acme.misnamed.test", misnamed.Message());
        Assert.Contains("spec.groupPriorityMinimum: Invalid value", unprioritized.Message());
        Assert.Contains("spec.versionPriority: Invalid value", unprioritized.Message());
    }

    [Fact]
    public async Task Network_policy_defaults_policy_types_and_refuses_bad_types_ports_and_peers()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var good = await Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "good" },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = AppLabels },
                Ingress = [new V1NetworkPolicyIngressRule { Ports = [new V1NetworkPolicyPort { Port = "http" }] }],
            },
        }, ns);
        Assert.Equal(["Ingress"], good.Spec.PolicyTypes);
        Assert.Equal("TCP", good.Spec.Ingress[0].Ports[0].Protocol);

        var bad = new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "bad" },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector(),
                PolicyTypes = ["Ingress", "Outbound"],
                Ingress =
                [
                    new V1NetworkPolicyIngressRule
                    {
                        Ports = [new V1NetworkPolicyPort { Port = 0 }, new V1NetworkPolicyPort { Port = 8000, EndPort = 7000, Protocol = "ICMP" }],
                        FromProperty =
                        [
                            new V1NetworkPolicyPeer(),
                            new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8" }, PodSelector = new V1LabelSelector() },
                            new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "10.0.0.300/8" } },
                        ],
                    },
                ],
            },
        };

        var status = await ApiAssert.FailsAsync(422, () => Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(bad, ns));

        var message = status.Message();
        Assert.StartsWith("NetworkPolicy.networking.k8s.io \"bad\" is invalid: [", message);
        Assert.Contains("spec.policyTypes[1]: Unsupported value: \"Outbound\": supported values: \"Ingress\", \"Egress\"", message);
        Assert.Contains("spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", message);
        Assert.Contains("spec.ingress[0].ports[1].protocol: Unsupported value: \"ICMP\"", message);
        Assert.Contains("spec.ingress[0].ports[1].endPort: Invalid value: 7000: must be greater than or equal to `port`", message);
        Assert.Contains("spec.ingress[0].from[0]: Required value: must specify a peer", message);
        Assert.Contains("spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer", message);
        Assert.Contains("spec.ingress[0].from[2].ipBlock.cidr: Invalid value: \"10.0.0.300/8\"", message);
    }

    [Fact]
    public async Task Role_rules_need_verbs_groups_and_resources()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var role = new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "reader" },
            Rules =
            [
                new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = [] },
                new V1PolicyRule { Resources = ["pods"], Verbs = ["get"] },
                new V1PolicyRule { NonResourceURLs = ["/healthz"], Verbs = ["get"] },
            ],
        };

        var status = await ApiAssert.FailsAsync(422, () => Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, ns));

        var message = status.Message();
        Assert.Contains("rules[0].verbs: Required value: verbs must contain at least one value", message);
        Assert.Contains("rules[1].apiGroups: Required value: resource rules must supply at least one api group", message);
        Assert.Contains("rules[2].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs", message);

        var clusterRole = await Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = $"health-{ns}" },
            Rules = [new V1PolicyRule { NonResourceURLs = ["/healthz"], Verbs = ["get"] }],
        });
        Assert.Equal("/healthz", clusterRole.Rules[0].NonResourceURLs[0]);
    }

    [Fact]
    public async Task Role_binding_role_ref_is_checked_and_cannot_change()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var binding = await Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "bind" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "reader" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "app", NamespaceProperty = ns }],
        }, ns);

        binding.RoleRef.Name = "writer";
        var changed = await ApiAssert.FailsAsync(422, () => Client.RbacAuthorizationV1.ReplaceNamespacedRoleBindingAsync(binding, "bind", ns));
        var cluster = await ApiAssert.FailsAsync(422, () => Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"bind-{ns}" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "reader" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "app" }],
        }));

        Assert.EndsWith("roleRef: Invalid value: {\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"writer\"}: cannot change roleRef", changed.Message());
        Assert.Contains("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"", cluster.Message());
        Assert.Contains("subjects[0].namespace: Required value", cluster.Message());
    }
}
