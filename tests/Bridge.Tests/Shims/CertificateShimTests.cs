using System.Text.Json;
using CertFleet.Interfaces.Api;
using CertFleet.Kubernetes.Bridge.Shims;

namespace CertFleet.Bridge.Tests.Shims;

/// <summary>ingress-shim and gateway-shim as tables: object and annotations in, Certificates and BadConfig messages out.</summary>
public sealed class CertificateShimTests
{
    private static readonly ShimOptions NoDefault = new();

    private static IngressLike Ingress(Dictionary<string, string> annotations, string tls = """[{"hosts": ["www.example.com"], "secretName": "web-tls"}]""",
        string labels = "{}") =>
        IngressLike.ReadIngress(JsonDocument.Parse($$$"""
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "web", "namespace": "shop", "uid": "ingress-uid", "labels": {{{labels}}},
                          "annotations": {{{JsonSerializer.Serialize(annotations)}}}},
             "spec": {"tls": {{{tls}}}}}
            """).RootElement);

    private static IngressLike Gateway(string listeners, Dictionary<string, string>? annotations = null, string apiVersion = "gateway.networking.k8s.io/v1") =>
        IngressLike.ReadGateway(JsonDocument.Parse($$$"""
            {"apiVersion": "{{{apiVersion}}}", "kind": "Gateway",
             "metadata": {"name": "gw", "namespace": "shop", "uid": "gateway-uid",
                          "annotations": {{{JsonSerializer.Serialize(annotations ?? new Dictionary<string, string>())}}}},
             "spec": {"gatewayClassName": "istio", "listeners": {{{listeners}}}}}
            """).RootElement);

    private static Dictionary<string, string> ClusterIssuer(params (string Key, string Value)[] more)
    {
        var annotations = new Dictionary<string, string> { [Annotations.ClusterIssuer] = "letsencrypt" };
        foreach (var (key, value) in more)
            annotations[key] = value;
        return annotations;
    }

    [Fact]
    public void An_annotated_ingress_gets_one_certificate_per_tls_secret_named_after_it_and_owned_by_the_ingress()
    {
        var plan = CertificateShim.Plan(Ingress(ClusterIssuer(), """
            [{"hosts": ["www.example.com", "example.com"], "secretName": "web-tls"}, {"hosts": ["10.0.0.1", "api.example.com"], "secretName": "api-tls"}]
            """, labels: """{"app": "shop", "applyset.kubernetes.io/part-of": "x"}"""), NoDefault);

        Assert.True(plan.Active);
        Assert.Empty(plan.BadConfig);
        Assert.Equal(["web-tls", "api-tls"], plan.Certificates.Select(c => c.Metadata.Name));
        var web = plan.Certificates[0];
        Assert.Equal("shop", web.Metadata.Namespace);
        Assert.Equal("web-tls", web.Spec.SecretName);
        Assert.Equal(["www.example.com", "example.com"], web.Spec.DnsNames!);
        Assert.Equal(new IssuerRef { Name = "letsencrypt", Kind = "ClusterIssuer", Group = "cert-manager.io" }, web.Spec.IssuerRef);
        Assert.Equal(["digital signature", "key encipherment"], web.Spec.Usages!);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "shop" }, web.Metadata.Labels);
        var owner = Assert.Single(web.Metadata.OwnerReferences!);
        Assert.Equal(("networking.k8s.io/v1", "Ingress", "web", "ingress-uid", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal(["api.example.com"], plan.Certificates[1].Spec.DnsNames!);
        Assert.Equal(["10.0.0.1"], plan.Certificates[1].Spec.IpAddresses!);
    }

    [Theory]
    [InlineData(Annotations.Issuer, "ca", "ca", "Issuer", "cert-manager.io")]
    [InlineData(Annotations.ClusterIssuer, "le", "le", "ClusterIssuer", "cert-manager.io")]
    public void Issuer_annotations_name_the_issuer(string key, string value, string name, string kind, string group)
    {
        var certificate = Assert.Single(CertificateShim.Plan(Ingress(new() { [key] = value }), NoDefault).Certificates);
        Assert.Equal(new IssuerRef { Name = name, Kind = kind, Group = group }, certificate.Spec.IssuerRef);
    }

    [Fact]
    public void Issuer_kind_and_group_annotations_name_an_external_issuer()
    {
        var certificate = Assert.Single(CertificateShim.Plan(Ingress(new()
        {
            [Annotations.Issuer] = "vault", [Annotations.IssuerKind] = "VaultIssuer", [Annotations.IssuerGroup] = "example.io",
        }), NoDefault).Certificates);
        Assert.Equal(new IssuerRef { Name = "vault", Kind = "VaultIssuer", Group = "example.io" }, certificate.Spec.IssuerRef);
    }

    [Fact]
    public void Tls_acme_uses_the_configured_default_issuer_and_without_one_is_bad_config()
    {
        var defaults = new ShimOptions { DefaultIssuerName = "le", DefaultIssuerKind = "ClusterIssuer" };
        var acme = Ingress(new() { [Annotations.TlsAcme] = "true" });
        Assert.Equal("le", Assert.Single(CertificateShim.Plan(acme, defaults).Certificates).Spec.IssuerRef.Name);

        var without = CertificateShim.Plan(acme, NoDefault);
        Assert.Empty(without.Certificates);
        Assert.Contains("CertFleet__Shims__DefaultIssuerName", Assert.Single(without.BadConfig));

        Assert.False(CertificateShim.IsRequested(Ingress(new() { [Annotations.TlsAcme] = "false" }), defaults));
        Assert.False(CertificateShim.IsRequested(Ingress([]), defaults));
    }

    public static TheoryData<string, string, Func<Certificate, object?>, object?> Shaping => new()
    {
        { Annotations.CommonName, "www.example.com", c => c.Spec.CommonName, "www.example.com" },
        { Annotations.AltNames, "alt.example.com, www.example.com,other.example.com", c => string.Join(",", c.Spec.DnsNames!), "www.example.com,alt.example.com,other.example.com" },
        { Annotations.IpSans, "10.0.0.1,2001:db8::1", c => string.Join(",", c.Spec.IpAddresses!), "10.0.0.1,2001:db8::1" },
        { Annotations.UriSans, "spiffe://cluster.local/ns/shop/sa/web", c => c.Spec.Uris![0], "spiffe://cluster.local/ns/shop/sa/web" },
        { Annotations.EmailSans, "ops@example.com,web@example.com", c => string.Join(",", c.Spec.EmailAddresses!), "ops@example.com,web@example.com" },
        { Annotations.SubjectOrganizations, "\"Acme, Inc\",Other", c => string.Join("|", c.Spec.Subject!.Organizations!), "Acme, Inc|Other" },
        { Annotations.SubjectOrganizationalUnits, "Web", c => c.Spec.Subject!.OrganizationalUnits![0], "Web" },
        { Annotations.SubjectCountries, "DE,FR", c => string.Join(",", c.Spec.Subject!.Countries!), "DE,FR" },
        { Annotations.SubjectProvinces, "Bavaria", c => c.Spec.Subject!.Provinces![0], "Bavaria" },
        { Annotations.SubjectLocalities, "Munich", c => c.Spec.Subject!.Localities![0], "Munich" },
        { Annotations.SubjectPostalCodes, "80331", c => c.Spec.Subject!.PostalCodes![0], "80331" },
        { Annotations.SubjectStreetAddresses, "Marienplatz 1", c => c.Spec.Subject!.StreetAddresses![0], "Marienplatz 1" },
        { Annotations.SubjectSerialNumber, "1234", c => c.Spec.Subject!.SerialNumber, "1234" },
        { Annotations.Duration, "720h", c => c.Spec.Duration, "720h0m0s" },
        { Annotations.RenewBefore, "1h30m", c => c.Spec.RenewBefore, "1h30m0s" },
        { Annotations.RenewBeforePercentage, "25", c => c.Spec.RenewBeforePercentage, 25 },
        { Annotations.Usages, "digital signature, server auth", c => string.Join(",", c.Spec.Usages!), "digital signature,server auth" },
        { Annotations.RevisionHistoryLimit, "3", c => c.Spec.RevisionHistoryLimit, 3 },
        { Annotations.PrivateKeyAlgorithm, "ECDSA", c => c.Spec.PrivateKey!.Algorithm, "ECDSA" },
        { Annotations.PrivateKeyEncoding, "PKCS8", c => c.Spec.PrivateKey!.Encoding, "PKCS8" },
        { Annotations.PrivateKeySize, "384", c => c.Spec.PrivateKey!.Size, 384 },
        { Annotations.PrivateKeyRotationPolicy, "Never", c => c.Spec.PrivateKey!.RotationPolicy, "Never" },
        { Annotations.SecretTemplate, """{"labels": {"team": "web"}, "annotations": {"a": "b"}}""", c => c.Spec.SecretTemplate!.Labels!["team"] + c.Spec.SecretTemplate.Annotations!["a"], "webb" },
        { Annotations.Http01EditInPlace, "true", c => c.Metadata.Annotations![Annotations.Http01OverrideIngressName] + "/" + c.Metadata.Annotations[Annotations.IssueTemporaryCertificate], "web/true" },
        { Annotations.Http01IngressClass, "traefik", c => c.Metadata.Annotations![Annotations.Http01OverrideIngressClass], "traefik" },
        { Annotations.Http01IngressClassName, "nginx", c => c.Metadata.Annotations![Annotations.Http01OverrideIngressClassName], "nginx" },
    };

    [Theory]
    [MemberData(nameof(Shaping))]
    public void Each_shaping_annotation_sets_its_certificate_field(string key, string value, Func<Certificate, object?> field, object? expected)
    {
        var plan = CertificateShim.Plan(Ingress(ClusterIssuer((key, value))), NoDefault);
        Assert.Empty(plan.BadConfig);
        Assert.Equal(expected, field(Assert.Single(plan.Certificates)));
    }

    [Fact]
    public void Without_shaping_annotations_nothing_but_the_defaults_is_set()
    {
        var certificate = Assert.Single(CertificateShim.Plan(Ingress(ClusterIssuer()), NoDefault).Certificates);
        Assert.Null(certificate.Spec.Subject);
        Assert.Null(certificate.Spec.PrivateKey);
        Assert.Null(certificate.Spec.Duration);
        Assert.Null(certificate.Metadata.Annotations);
        Assert.Null(Assert.Single(CertificateShim.Plan(Ingress(ClusterIssuer((Annotations.Http01EditInPlace, "false"))), NoDefault).Certificates).Metadata.Annotations);
    }

    [Theory]
    [InlineData(Annotations.Duration, "90 days", "is not a Go duration")]
    [InlineData(Annotations.RenewBefore, "1y", "unknown unit")]
    [InlineData(Annotations.RenewBeforePercentage, "100", "from 1 to 99")]
    [InlineData(Annotations.RenewBeforePercentage, "half", "from 1 to 99")]
    [InlineData(Annotations.Usages, "digital signature,serverauth", "\"serverauth\", which is not a key usage")]
    [InlineData(Annotations.RevisionHistoryLimit, "0", "at least 1")]
    [InlineData(Annotations.PrivateKeyAlgorithm, "DSA", "is not one of RSA, ECDSA, Ed25519")]
    [InlineData(Annotations.PrivateKeyEncoding, "DER", "is not one of PKCS1, PKCS8")]
    [InlineData(Annotations.PrivateKeySize, "big", "is not a key size")]
    [InlineData(Annotations.PrivateKeyRotationPolicy, "Sometimes", "is not one of Never, Always")]
    [InlineData(Annotations.IpSans, "10.0.0.1,ten", "\"ten\", which is not an IP address")]
    [InlineData(Annotations.EmailSans, "not-an-address", "which is not an email address")]
    [InlineData(Annotations.UriSans, "no scheme", "not an absolute URI")]
    [InlineData(Annotations.SecretTemplate, "{labels: x}", "is not a JSON secret template")]
    [InlineData(Annotations.SubjectOrganizations, "\"Acme, Inc", "a quote is left open")]
    [InlineData(Annotations.CommonName, "a-very-long-common-name-that-goes-on-and-on-and-on-beyond-sixty-four-chars.example.com", "longer than 64")]
    public void A_bad_annotation_value_is_bad_config_naming_it_and_no_certificate_is_made(string key, string value, string expected)
    {
        var plan = CertificateShim.Plan(Ingress(ClusterIssuer((key, value))), NoDefault);
        Assert.Empty(plan.Certificates);
        Assert.False(plan.Active);
        var message = Assert.Single(plan.BadConfig);
        Assert.Contains(key, message);
        Assert.Contains(expected, message);
        // the hosts are still known, for the coverage check
        Assert.Equal("web-tls", Assert.Single(plan.Targets).SecretName);
    }

    [Theory]
    [InlineData(Annotations.Issuer, Annotations.ClusterIssuer)]
    [InlineData(Annotations.ClusterIssuer, Annotations.IssuerKind)]
    [InlineData(Annotations.ClusterIssuer, Annotations.IssuerGroup)]
    public void Conflicting_issuer_annotations_are_bad_config(string first, string second)
    {
        var plan = CertificateShim.Plan(Ingress(new() { [first] = "a", [second] = "b" }), NoDefault);
        Assert.Empty(plan.Certificates);
        var message = Assert.Single(plan.BadConfig);
        Assert.Contains(first, message);
        Assert.Contains(second, message);
    }

    [Fact]
    public void Incomplete_tls_entries_are_skipped_with_bad_config_and_the_rest_is_issued()
    {
        var plan = CertificateShim.Plan(Ingress(ClusterIssuer(), """
            [{"hosts": [], "secretName": "empty-tls"}, {"hosts": ["a.example.com"]}, {"hosts": ["b.example.com"], "secretName": "b-tls"}]
            """), NoDefault);
        Assert.Equal("b-tls", Assert.Single(plan.Certificates).Metadata.Name);
        Assert.Equal(2, plan.BadConfig.Count);
        Assert.Contains("spec.tls[0].hosts: Required value", plan.BadConfig[0]);
        Assert.Contains("spec.tls[1].secretName: Required value", plan.BadConfig[1]);
    }

    [Fact]
    public void Two_tls_entries_naming_one_secret_are_bad_config()
    {
        var plan = CertificateShim.Plan(Ingress(ClusterIssuer(), """
            [{"hosts": ["a.example.com"], "secretName": "one-tls"}, {"hosts": ["b.example.com"], "secretName": "one-tls"}]
            """), NoDefault);
        Assert.Empty(plan.Certificates);
        Assert.Contains("spec.tls[1].secretName", Assert.Single(plan.BadConfig));
    }

    [Fact]
    public void An_ingress_being_deleted_gets_nothing_new()
    {
        var deleting = Ingress(ClusterIssuer());
        deleting = deleting with { Metadata = deleting.Metadata with { DeletionTimestamp = DateTimeOffset.UtcNow } };
        Assert.Empty(CertificateShim.Plan(deleting, NoDefault).Certificates);
    }

    [Fact]
    public void Gateway_listeners_terminating_tls_with_hostnames_are_used_and_the_others_skipped()
    {
        var gateway = Gateway("""
            [{"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "www.example.com",
              "tls": {"mode": "Terminate", "certificateRefs": [{"name": "site-tls"}]}},
             {"name": "https-api", "port": 443, "protocol": "HTTPS", "hostname": "api.example.com",
              "tls": {"mode": "Terminate", "certificateRefs": [{"name": "site-tls", "kind": "Secret", "group": ""}]}},
             {"name": "passthrough", "port": 8443, "protocol": "TLS", "hostname": "db.example.com",
              "tls": {"mode": "Passthrough", "certificateRefs": [{"name": "db-tls"}]}},
             {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "www.example.com"},
             {"name": "nohost", "port": 443, "protocol": "HTTPS", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "nohost-tls"}]}},
             {"name": "other-ns", "port": 443, "protocol": "HTTPS", "hostname": "x.example.com",
              "tls": {"mode": "Terminate", "certificateRefs": [{"name": "x-tls", "namespace": "elsewhere"}]}},
             {"name": "configmap", "port": 443, "protocol": "TLS", "hostname": "y.example.com",
              "tls": {"mode": "Terminate", "certificateRefs": [{"name": "y-tls", "kind": "ConfigMap"}]}}]
            """, ClusterIssuer());

        var plan = CertificateShim.Plan(gateway, NoDefault);
        var certificate = Assert.Single(plan.Certificates);
        Assert.Equal("site-tls", certificate.Metadata.Name);
        Assert.Equal(["www.example.com", "api.example.com"], certificate.Spec.DnsNames!);
        Assert.Equal("Gateway", certificate.Metadata.Annotations![Annotations.Http01ParentRefKind]);
        Assert.Equal("gw", certificate.Metadata.Annotations[Annotations.Http01ParentRefName]);
        var owner = Assert.Single(certificate.Metadata.OwnerReferences!);
        Assert.Equal(("gateway.networking.k8s.io/v1", "Gateway", "gateway-uid"), (owner.ApiVersion, owner.Kind, owner.Uid));

        Assert.Equal(3, plan.BadConfig.Count);
        Assert.Contains("spec.listeners[4].hostname: Required value", plan.BadConfig[0]);
        Assert.Contains("spec.listeners[5].tls.certificateRefs[0].namespace", plan.BadConfig[1]);
        Assert.Contains("spec.listeners[6].tls.certificateRefs[0].kind: Unsupported value: \"ConfigMap\"", plan.BadConfig[2]);
        Assert.DoesNotContain(plan.BadConfig, m => m.Contains("listeners[2]") || m.Contains("listeners[3]"));
    }

    [Fact]
    public void A_v1beta1_gateway_is_read_the_same_and_owned_under_its_own_version()
    {
        var gateway = Gateway("""
            [{"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "example.sumguy.com",
              "tls": {"mode": "Terminate", "certificateRefs": [{"name": "example-tls"}]}}]
            """, ClusterIssuer(), apiVersion: "gateway.networking.k8s.io/v1beta1");
        var certificate = Assert.Single(CertificateShim.Plan(gateway, NoDefault).Certificates);
        Assert.Equal(["example.sumguy.com"], certificate.Spec.DnsNames!);
        Assert.Equal("gateway.networking.k8s.io/v1beta1", Assert.Single(certificate.Metadata.OwnerReferences!).ApiVersion);
    }

    [Fact]
    public void Ignored_listeners_get_nothing()
    {
        var gateway = Gateway("""
            [{"name": "a", "port": 443, "protocol": "HTTPS", "hostname": "a.example.com", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "a-tls"}]}},
             {"name": "b", "port": 443, "protocol": "HTTPS", "hostname": "b.example.com", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "b-tls"}]}}]
            """, ClusterIssuer((Annotations.IgnoreTlsListeners, " b ,c")));
        Assert.Equal("a-tls", Assert.Single(CertificateShim.Plan(gateway, NoDefault).Certificates).Metadata.Name);
    }

    [Fact]
    public void A_gateway_naming_no_issuer_is_issued_for_with_a_default_and_otherwise_told_how_to_opt_in()
    {
        var gateway = Gateway("""
            [{"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "www.example.com", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "web-tls"}]}}]
            """);
        var withDefault = CertificateShim.Plan(gateway, new ShimOptions { DefaultIssuerName = "le", DefaultIssuerKind = "ClusterIssuer" });
        Assert.Equal(new IssuerRef { Name = "le", Kind = "ClusterIssuer", Group = "cert-manager.io" }, Assert.Single(withDefault.Certificates).Spec.IssuerRef);
        Assert.Null(withDefault.OptInHint);

        var without = CertificateShim.Plan(gateway, NoDefault);
        Assert.Empty(without.Certificates);
        Assert.Contains(Annotations.ClusterIssuer, without.OptInHint);
        Assert.Contains("CertFleet__Shims__DefaultIssuerName", without.OptInHint);
        // an Ingress without annotations is simply not the shim's business
        Assert.Null(CertificateShim.Plan(Ingress([]), NoDefault).OptInHint);
    }
}
