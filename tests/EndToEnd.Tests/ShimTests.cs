namespace CertFleet.EndToEnd.Tests;

/// <summary>ingress-shim and gateway-shim through kubectl, issuing from Pebble over HTTP-01.</summary>
[Collection(AcmeCollection.Name)]
public sealed class ShimTests(AcmeFixture cluster) : AcmeSteps(cluster)
{
    private static string Ingress(string ns, string name, string annotations, string tls) => $$"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: {{name}}
          namespace: {{ns}}
          annotations: {{{annotations}}}
        spec:
          ingressClassName: nginx
          tls: {{tls}}
          rules:
            - host: www.{{ns}}.example
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: web
                        port: {number: 80}
        """;

    private async Task ApplyOkAsync(string yaml)
    {
        var applied = await cluster.ApplyAsync(yaml);
        Assert.True(applied.ExitCode == 0, applied.Error);
    }

    private Task<string> WaitGoneAsync(string ns, string kind, string name) => Processes.Eventually(
        async () => (await cluster.KubectlAsync("-n", ns, "get", kind, name, "-o", "name")).Error,
        error => error.Contains("NotFound", StringComparison.Ordinal), $"{kind} {ns}/{name} to be deleted (silo log: {cluster.SiloLog})");

    [Fact]
    public async Task AnAnnotatedIngressGetsACertificateFromPebbleThatFollowsItsEditsWhileABadAnnotationOnlyGetsBadConfig()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var annotations = $"cert-manager.io/cluster-issuer: {issuer}, cert-manager.io/private-key-algorithm: ECDSA, " +
                          "acme.cert-manager.io/http01-edit-in-place: \"true\"";
        await ApplyOkAsync(Ingress(ns, "web", annotations, $"[{{hosts: [www.{ns}.example], secretName: web-tls}}, {{hosts: [api.{ns}.example], secretName: api-tls}}]"));
        await ApplyOkAsync(Ingress(ns, "broken", $"cert-manager.io/cluster-issuer: {issuer}, cert-manager.io/renew-before-percentage: \"150\"",
            $"[{{hosts: [broken.{ns}.example], secretName: broken-tls}}]"));

        await WaitAsync("certificate", ns, "web-tls", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "web-tls", 0, $"www.{ns}.example");
        Assert.Equal("ECDSA", await Field("certificate", ns, "web-tls", "{.spec.privateKey.algorithm}"));
        Assert.Equal("Ingress/web", await Field("certificate", ns, "web-tls", "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"));
        // edit-in-place: the Certificate names the Ingress, and the challenges' solvers add their paths to it
        Assert.Equal("web", await Field("certificate", ns, "web-tls", "{.metadata.annotations.acme\\.cert-manager\\.io/http01-override-ingress-name}"));
        Assert.Equal("true", await Field("certificate", ns, "web-tls", "{.metadata.annotations.cert-manager\\.io/issue-temporary-certificate}"));
        var solverIngresses = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "jsonpath={.items[*].spec.solver.http01.ingress.name}"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(solverIngresses);
        Assert.All(solverIngresses, name => Assert.Equal("web", name));
        var described = await cluster.MustAsync("-n", ns, "describe", "ingress", "web");
        Assert.Contains("CreateCertificate", described);
        Assert.Contains("Successfully created Certificate \"web-tls\"", described);
        // the bad annotation stops only its own Ingress, and says which annotation and what to write
        var broken = await Processes.Eventually(() => cluster.MustAsync("-n", ns, "describe", "ingress", "broken"),
            d => d.Contains("BadConfig", StringComparison.Ordinal), "BadConfig on the broken Ingress");
        Assert.Contains("cert-manager.io/renew-before-percentage", broken);
        Assert.Contains("from 1 to 99", broken);
        Assert.Contains("NotFound", (await cluster.KubectlAsync("-n", ns, "get", "certificate", "broken-tls")).Error);

        // a host added to the Ingress's TLS entry is issued too
        await ApplyOkAsync(Ingress(ns, "web", annotations, $"[{{hosts: [www.{ns}.example, shop.{ns}.example], secretName: web-tls}}, {{hosts: [api.{ns}.example], secretName: api-tls}}]"));
        await WaitAsync("certificate", ns, "web-tls", "{.spec.dnsNames[1]}", $"shop.{ns}.example");
        await WaitAsync("certificate", ns, "web-tls", "{.status.revision}", "2");
        await WaitAsync("certificate", ns, "web-tls", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "web-tls", 0, $"www.{ns}.example", $"shop.{ns}.example");
        Assert.Contains("UpdateCertificate", await cluster.MustAsync("-n", ns, "describe", "ingress", "web"));

        // the TLS entry goes, and so does its Certificate; deleting the Ingress takes the rest
        await ApplyOkAsync(Ingress(ns, "web", annotations, $"[{{hosts: [www.{ns}.example, shop.{ns}.example], secretName: web-tls}}]"));
        await WaitGoneAsync(ns, "certificate", "api-tls");
        Assert.Contains("DeleteCertificate", await cluster.MustAsync("-n", ns, "describe", "ingress", "web"));
        await cluster.MustAsync("-n", ns, "delete", "ingress", "web");
        await WaitGoneAsync(ns, "certificate", "web-tls");
    }

    [Fact]
    public async Task TheGuidesIngressAndGatewayIssueFromPebble()
    {
        await ApplySeedPointedAtPebbleAsync("01-clusterissuer-letsencrypt-prod.yaml");
        await WaitAsync("clusterissuer", "", "letsencrypt-prod", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        // each in a namespace of its own: both serve the Secret example-tls
        var ingressNs = await cluster.NamespaceAsync();
        var gatewayNs = await cluster.NamespaceAsync();
        await ApplySeedPointedAtPebbleAsync("04-ingress-annotation.yaml", ingressNs);
        await ApplySeedPointedAtPebbleAsync("05-gateway-httproute.yaml", gatewayNs);

        await WaitAsync("certificate", ingressNs, "example-tls", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ingressNs, "example-tls", 0, "example.sumguy.com");
        Assert.Equal("Ingress/my-service", await Field("certificate", ingressNs, "example-tls", "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"));

        // the Gateway names no issuer: the silo's default issuer (CertFleet__Shims__DefaultIssuerName) is used
        await WaitAsync("certificate", gatewayNs, "example-tls", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(gatewayNs, "example-tls", 0, "example.sumguy.com");
        Assert.Equal("letsencrypt-prod", await Field("certificate", gatewayNs, "example-tls", "{.spec.issuerRef.name}"));
        Assert.Equal("my-gateway", await Field("certificate", gatewayNs, "example-tls", "{.metadata.annotations.acme\\.cert-manager\\.io/http01-parentrefname}"));
        Assert.Contains("CreateCertificate", await cluster.MustAsync("-n", gatewayNs, "describe", "gateway", "my-gateway"));

        // the listener goes: so does its Certificate
        await cluster.MustAsync("-n", gatewayNs, "patch", "gateway", "my-gateway", "--type=json",
            "-p", """[{"op": "replace", "path": "/spec/listeners/0", "value": {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "example.sumguy.com"}}]""");
        await WaitGoneAsync(gatewayNs, "certificate", "example-tls");
    }
}
