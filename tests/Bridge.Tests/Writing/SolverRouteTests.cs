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

    /// <summary>
    /// An IP identifier's route matches any host, as cert-manager leaves it: the API server refuses an IP as an Ingress
    /// rule host or HTTPRoute hostname (the emulator does too), so a host here would fail the challenge.
    /// </summary>
    [Theory]
    [InlineData("ingress", "192.0.2.10")]
    [InlineData("ingress", "2001:db8::10")]
    [InlineData("ingress in place", "192.0.2.10")]
    [InlineData("httproute", "192.0.2.10")]
    [InlineData("httproute", "2001:db8::10")]
    public async Task An_ip_identifier_gets_a_route_without_a_host(string kind, string address)
    {
        if (kind == "ingress in place")
        {
            await Api.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
            {
                Metadata = new V1ObjectMeta { Name = "web" },
                Spec = new V1IngressSpec { Rules = [new V1IngressRule { Host = "web.example.com", Http = new V1HTTPIngressRuleValue { Paths = [AppPath("/")] } }] },
            }, Api.Namespace);
        }
        var route = (kind == "httproute"
            ? Route(httpRoute: new SolverHttpRoute { ParentRefs = [new SolverParentRef("gateway")] })
            : Route(new SolverIngress { Name = kind == "ingress in place" ? "web" : null })) with { DnsName = address };

        await Writer.ApplySolverRouteAsync(route);
        await Writer.ApplySolverRouteAsync(route);

        if (kind == "httproute")
        {
            var stored = (JsonElement)await Api.Client.CustomObjects.GetNamespacedCustomObjectAsync(
                "gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes", SolverObjects.Name(route));
            Assert.False(stored.GetProperty("spec").TryGetProperty("hostnames", out _));
        }
        else
        {
            var ingress = await Api.Client.NetworkingV1.ReadNamespacedIngressAsync(kind == "ingress" ? SolverObjects.Name(route) : "web", Api.Namespace);
            var rule = Assert.Single(ingress.Spec.Rules, rule => rule.Host is null);
            Assert.Equal([$"/.well-known/acme-challenge/{Token}"], rule.Http.Paths.Select(path => path.Path));
        }

        await Writer.DeleteSolverRouteAsync(route);
        if (kind == "ingress in place")
            Assert.Equal(["web.example.com"], (await Api.Client.NetworkingV1.ReadNamespacedIngressAsync("web", Api.Namespace)).Spec.Rules.Select(rule => rule.Host));
    }

    /// <summary>What the API server answers for an IP as a host, so that a controller putting one there is caught.</summary>
    [Theory]
    [InlineData("ingress", "192.0.2.10", "spec.rules[0].host: Invalid value:")]
    [InlineData("ingress", "2001:db8::10", "must be a DNS name, not an IP address")]
    [InlineData("ingress", "192.0.2.10", "must be a DNS name, not an IP address")]
    [InlineData("httproute", "192.0.2.10", "spec.hostnames[0] in body should match")]
    [InlineData("httproute", "2001:db8::10", "spec.hostnames[0] in body should match")]
    public async Task The_emulator_refuses_an_ip_as_host_as_the_api_server_does(string kind, string address, string message)
    {
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => kind == "ingress"
            ? (Task)Api.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
            {
                Metadata = new V1ObjectMeta { Name = "by-ip" },
                Spec = new V1IngressSpec { Rules = [new V1IngressRule { Host = address, Http = new V1HTTPIngressRuleValue { Paths = [AppPath("/")] } }] },
            }, Api.Namespace)
            : Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Dictionary<string, object>
            {
                ["apiVersion"] = "gateway.networking.k8s.io/v1",
                ["kind"] = "HTTPRoute",
                ["metadata"] = new Dictionary<string, object> { ["name"] = "by-ip" },
                ["spec"] = new Dictionary<string, object> { ["hostnames"] = new[] { address } },
            }, "gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes"));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains(message, error.Response.Content);
    }

    [Theory]
    [InlineData("ingress", "web.example.com")]
    [InlineData("ingress", "*.example.com")]
    [InlineData("ingress", "1.2.3")]
    [InlineData("httproute", "web.example.com")]
    [InlineData("httproute", "*.example.com")]
    public async Task The_emulator_accepts_dns_names_as_hosts(string kind, string host)
    {
        if (kind == "ingress")
        {
            await Api.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
            {
                Metadata = new V1ObjectMeta { Name = "by-name" },
                Spec = new V1IngressSpec { Rules = [new V1IngressRule { Host = host, Http = new V1HTTPIngressRuleValue { Paths = [AppPath("/")] } }] },
            }, Api.Namespace);
        }
        else
        {
            await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Dictionary<string, object>
            {
                ["apiVersion"] = "gateway.networking.k8s.io/v1",
                ["kind"] = "HTTPRoute",
                ["metadata"] = new Dictionary<string, object> { ["name"] = "by-name" },
                ["spec"] = new Dictionary<string, object> { ["hostnames"] = new[] { host } },
            }, "gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes");
        }
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
