using System.Text.Json;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Solving;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Writing;

public sealed class SolverRouteTests : EmulatorTest
{
    private const string Token = "tok_EN-abc123";

    /// <summary>The owning Challenge's uid: the emulator's garbage collector removes objects whose owner does not exist.</summary>
    private string _challengeUid = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var challenge = await Writer.CreateResourceAsync(ResourceKind.Challenge, Api.Key("web-1-2345-678"), new Challenge
        {
            Spec = new ChallengeSpec { DnsName = "web.example.com", Token = Token, Key = Token + ".thumbprint", Type = "HTTP-01" },
        });
        _challengeUid = challenge.Metadata.Uid!;
    }

    private ClusterWriter Writer => new(Api.Clusters, new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
        Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance));

    private SolverRoute Route(SolverIngress? ingress = null, SolverHttpRoute? httpRoute = null) => new()
    {
        Challenge = Api.Key("web-1-2345-678"),
        ChallengeUid = _challengeUid,
        DnsName = "web.example.com",
        Token = Token,
        ServiceName = "certfleet-solver",
        ServicePort = 8089,
        Ingress = ingress,
        HttpRoute = httpRoute,
    };

    [Fact]
    public void Labels_carry_adler32_checksums_as_cert_manager_writes_them()
    {
        // Go: adler32.Checksum([]byte("Wikipedia")) == 300286872
        Assert.Equal(300286872u, Adler32.Checksum("Wikipedia"));
        Assert.Equal(1u, Adler32.Checksum(""));
    }

    [Fact]
    public async Task An_ingress_solver_routes_the_challenge_path_to_the_solver_service_and_is_owned_by_the_challenge()
    {
        var route = Route(new SolverIngress
        {
            Class = "nginx",
            IngressClassName = "public",
            Labels = new Dictionary<string, string> { ["team"] = "web" },
            Annotations = new Dictionary<string, string> { ["example.com/note"] = "x" },
        });

        await Writer.ApplySolverRouteAsync(route);
        await Writer.ApplySolverRouteAsync(route);

        var ingresses = await Api.Client.NetworkingV1.ListNamespacedIngressAsync(Api.Namespace);
        var ingress = Assert.Single(ingresses.Items);
        Assert.Equal(SolverObjects.Name(route), ingress.Metadata.Name);
        Assert.Matches("^cm-acme-http-solver-[0-9a-f]{10}$", ingress.Metadata.Name);
        Assert.Equal("true", ingress.Metadata.Labels["acme.cert-manager.io/http01-solver"]);
        Assert.Equal(Adler32.Checksum("web.example.com").ToString(), ingress.Metadata.Labels["acme.cert-manager.io/http-domain"]);
        Assert.Equal(Adler32.Checksum(Token).ToString(), ingress.Metadata.Labels["acme.cert-manager.io/http-token"]);
        Assert.Equal("web", ingress.Metadata.Labels["team"]);
        Assert.Equal("nginx", ingress.Metadata.Annotations["kubernetes.io/ingress.class"]);
        Assert.Equal("0.0.0.0/0,::/0", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/whitelist-source-range"]);
        Assert.Equal("x", ingress.Metadata.Annotations["example.com/note"]);
        Assert.Equal("public", ingress.Spec.IngressClassName);

        var rule = Assert.Single(ingress.Spec.Rules);
        Assert.Equal("web.example.com", rule.Host);
        var path = Assert.Single(rule.Http.Paths);
        Assert.Equal($"/.well-known/acme-challenge/{Token}", path.Path);
        Assert.Equal("ImplementationSpecific", path.PathType);
        Assert.Equal("certfleet-solver", path.Backend.Service.Name);
        Assert.Equal(8089, path.Backend.Service.Port.Number);

        var owner = Assert.Single(ingress.Metadata.OwnerReferences);
        Assert.Equal(("acme.cert-manager.io/v1", "Challenge", "web-1-2345-678", _challengeUid, true),
            (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller ?? false));

        await Writer.DeleteSolverRouteAsync(route);
        await Writer.DeleteSolverRouteAsync(route);
        Assert.Empty((await Api.Client.NetworkingV1.ListNamespacedIngressAsync(Api.Namespace)).Items);
    }

    [Fact]
    public async Task Without_a_class_the_ingress_has_neither_class_field()
    {
        var route = Route(new SolverIngress());

        await Writer.ApplySolverRouteAsync(route);

        var ingress = await Api.Client.NetworkingV1.ReadNamespacedIngressAsync(SolverObjects.Name(route), Api.Namespace);
        Assert.Null(ingress.Spec.IngressClassName);
        Assert.False(ingress.Metadata.Annotations.ContainsKey("kubernetes.io/ingress.class"));
    }

    [Fact]
    public async Task Edit_in_place_adds_only_the_challenge_path_and_removes_only_it()
    {
        await Api.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1IngressSpec
            {
                Rules =
                [
                    new V1IngressRule { Host = "web.example.com", Http = new V1HTTPIngressRuleValue { Paths = [AppPath("/")] } },
                    new V1IngressRule { Host = "api.example.com", Http = new V1HTTPIngressRuleValue { Paths = [AppPath("/v1")] } },
                ],
            },
        }, Api.Namespace);
        var route = Route(new SolverIngress { Name = "web" });
        var elsewhere = route with { DnsName = "new.example.com", Token = "other-token" };

        await Writer.ApplySolverRouteAsync(route);
        await Writer.ApplySolverRouteAsync(route);
        await Writer.ApplySolverRouteAsync(elsewhere);

        var edited = await Api.Client.NetworkingV1.ReadNamespacedIngressAsync("web", Api.Namespace);
        Assert.Equal(["web.example.com", "api.example.com", "new.example.com"], edited.Spec.Rules.Select(rule => rule.Host));
        Assert.Equal(["/", $"/.well-known/acme-challenge/{Token}"], edited.Spec.Rules[0].Http.Paths.Select(path => path.Path));
        Assert.Equal("certfleet-solver", edited.Spec.Rules[0].Http.Paths[1].Backend.Service.Name);
        Assert.Equal(["/.well-known/acme-challenge/other-token"], edited.Spec.Rules[2].Http.Paths.Select(path => path.Path));
        Assert.Null(edited.Metadata.OwnerReferences);

        await Writer.DeleteSolverRouteAsync(route);
        await Writer.DeleteSolverRouteAsync(elsewhere);
        await Writer.DeleteSolverRouteAsync(elsewhere);

        var restored = await Api.Client.NetworkingV1.ReadNamespacedIngressAsync("web", Api.Namespace);
        Assert.Equal(["web.example.com", "api.example.com"], restored.Spec.Rules.Select(rule => rule.Host));
        Assert.Equal(["/"], restored.Spec.Rules[0].Http.Paths.Select(path => path.Path));
        Assert.Equal(["/v1"], restored.Spec.Rules[1].Http.Paths.Select(path => path.Path));
        Assert.Equal("web", restored.Metadata.Labels["app"]);
    }

    [Fact]
    public async Task Edit_in_place_of_a_missing_ingress_fails_with_not_found_and_its_delete_succeeds()
    {
        var route = Route(new SolverIngress { Name = "absent" });

        var error = await Assert.ThrowsAsync<ClusterWriteException>(() => Writer.ApplySolverRouteAsync(route));
        Assert.Equal(404, error.StatusCode);
        Assert.StartsWith("adding the HTTP-01 path for web.example.com to Ingress", error.Message);

        await Writer.DeleteSolverRouteAsync(route);
    }

    [Fact]
    public async Task An_http_route_solver_matches_the_exact_path_for_the_host_and_attaches_to_the_parents()
    {
        var route = Route(httpRoute: new SolverHttpRoute
        {
            ParentRefs = [new SolverParentRef("gateway", Namespace: "infra", SectionName: "http", Port: 80)],
            Labels = new Dictionary<string, string> { ["team"] = "web" },
        });

        await Writer.ApplySolverRouteAsync(route);
        await Writer.ApplySolverRouteAsync(route);

        var list = (JsonElement)await Api.Client.CustomObjects.ListNamespacedCustomObjectAsync(
            "gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes");
        var stored = Assert.Single(list.GetProperty("items").EnumerateArray());
        var metadata = stored.GetProperty("metadata");
        Assert.Equal(SolverObjects.Name(route), metadata.GetProperty("name").GetString());
        Assert.Equal("true", metadata.GetProperty("labels").GetProperty("acme.cert-manager.io/http01-solver").GetString());
        Assert.Equal("web", metadata.GetProperty("labels").GetProperty("team").GetString());
        Assert.Equal(_challengeUid, metadata.GetProperty("ownerReferences")[0].GetProperty("uid").GetString());

        var spec = stored.GetProperty("spec");
        Assert.Equal("""[{"name":"gateway","namespace":"infra","sectionName":"http","port":80}]""", spec.GetProperty("parentRefs").GetRawText());
        Assert.Equal("""["web.example.com"]""", spec.GetProperty("hostnames").GetRawText());
        var rule = Assert.Single(spec.GetProperty("rules").EnumerateArray());
        Assert.Equal($$$"""[{"path":{"type":"Exact","value":"/.well-known/acme-challenge/{{{Token}}}"}}]""", rule.GetProperty("matches").GetRawText());
        Assert.Equal("""[{"name":"certfleet-solver","port":8089}]""", rule.GetProperty("backendRefs").GetRawText());

        await Writer.DeleteSolverRouteAsync(route);
        await Writer.DeleteSolverRouteAsync(route);
        list = (JsonElement)await Api.Client.CustomObjects.ListNamespacedCustomObjectAsync(
            "gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes");
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    private static V1HTTPIngressPath AppPath(string path) => new()
    {
        Path = path,
        PathType = "Prefix",
        Backend = new V1IngressBackend
        {
            Service = new V1IngressServiceBackend { Name = "web", Port = new V1ServiceBackendPort { Number = 80 } },
        },
    };
}
