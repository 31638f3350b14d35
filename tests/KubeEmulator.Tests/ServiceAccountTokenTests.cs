using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

/// <summary>The TokenRequest subresource, as cert-manager's Route53 and Vault service account auth use it.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ServiceAccountTokenTests(EmulatorFixture emulator) : IDisposable
{
    private readonly Kubectl _kubectl = new(emulator.Server);

    private Kubernetes Client => emulator.Client;

    public void Dispose() => _kubectl.Dispose();

    private async Task<(string Ns, V1ServiceAccount Account)> ServiceAccountAsync(string name = "dns01")
    {
        var ns = await emulator.CreateNamespaceAsync();
        var account = await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, ns);
        return (ns, account);
    }

    private static JsonNode Payload(string token)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload += new string('=', (4 - payload.Length % 4) % 4);
        return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)))!;
    }

    [Fact]
    public async Task Token_carries_the_audiences_subject_and_expiry_asked_for()
    {
        var (ns, account) = await ServiceAccountAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var answer = await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { Audiences = ["sts.amazonaws.com"], ExpirationSeconds = 600 },
        }, "dns01", ns);

        var claims = Payload(answer.Status.Token);
        Assert.Equal(["sts.amazonaws.com"], claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal($"system:serviceaccount:{ns}:dns01", claims["sub"]!.GetValue<string>());
        Assert.Equal(account.Metadata.Uid, claims["kubernetes.io"]!["serviceaccount"]!["uid"]!.GetValue<string>());
        var expires = new DateTimeOffset(DateTime.SpecifyKind(answer.Status.ExpirationTimestamp!.Value, DateTimeKind.Utc));
        Assert.InRange(expires, before.AddSeconds(600), DateTimeOffset.UtcNow.AddSeconds(601));
        Assert.Equal(claims["exp"]!.GetValue<long>(), expires.ToUnixTimeSeconds());
        Assert.Equal(["sts.amazonaws.com"], answer.Spec.Audiences);
    }

    [Fact]
    public async Task Without_audiences_the_api_server_audience_is_used()
    {
        var (ns, _) = await ServiceAccountAsync();

        var answer = await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "dns01", ns);

        Assert.Equal(["https://kubernetes.default.svc.cluster.local"], Payload(answer.Status.Token)["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(3600, answer.Spec.ExpirationSeconds);
    }

    [Fact]
    public async Task Missing_service_account_is_404()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = ["sts.amazonaws.com"] } }, "absent", ns));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("serviceaccounts \\\"absent\\\" not found", error.Response.Content);
    }

    [Fact]
    public async Task Expiration_below_ten_minutes_is_invalid()
    {
        var (ns, _) = await ServiceAccountAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 60 } }, "dns01", ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("spec.expirationSeconds", error.Response.Content);
    }

    [Fact]
    public async Task Token_subresource_is_create_only_and_listed_in_discovery()
    {
        var (ns, _) = await ServiceAccountAsync();
        using var http = RawHttp.Create(emulator.Server);

        using var get = await http.GetAsync($"/api/v1/namespaces/{ns}/serviceaccounts/dns01/token");
        var discovery = await http.GetJsonAsync("/api/v1");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        var entry = discovery["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "serviceaccounts/token")!;
        Assert.Equal("TokenRequest", entry["kind"]!.GetValue<string>());
        Assert.Equal("authentication.k8s.io", entry["group"]!.GetValue<string>());
        Assert.Equal(["create"], entry["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Kubectl_create_token_prints_a_token_for_the_audience()
    {
        var (ns, _) = await ServiceAccountAsync();

        var token = await _kubectl.SucceedsAsync($"create token dns01 -n {ns} --audience sts.amazonaws.com --duration 10m");

        Assert.Equal("sts.amazonaws.com", Payload(token.Trim())["aud"]![0]!.GetValue<string>());
        Assert.Contains("dns01", await _kubectl.SucceedsAsync($"get sa -n {ns}"));
    }

    private async Task<V1TokenReviewStatus> ReviewAsync(string token, params string[] audiences) =>
        (await Client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = token, Audiences = audiences.Length == 0 ? null : audiences },
        })).Status;

    private async Task<string> TokenAsync(string ns, params string[] audiences) =>
        (await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { Audiences = audiences, ExpirationSeconds = 600 },
        }, "dns01", ns)).Status.Token;

    [Fact]
    public async Task TokenReview_authenticates_a_token_it_issued_for_one_of_the_audiences_asked()
    {
        var (ns, account) = await ServiceAccountAsync();
        var token = await TokenAsync(ns, "vault://team/vault", "other");

        var review = await ReviewAsync(token, "vault://team/vault");

        Assert.True(review.Authenticated);
        Assert.Equal($"system:serviceaccount:{ns}:dns01", review.User.Username);
        Assert.Equal(account.Metadata.Uid, review.User.Uid);
        Assert.Contains($"system:serviceaccounts:{ns}", review.User.Groups);
        Assert.Equal(["vault://team/vault"], review.Audiences);
    }

    [Fact]
    public async Task TokenReview_refuses_another_audience_a_forged_token_and_a_deleted_account()
    {
        var (ns, _) = await ServiceAccountAsync();
        var token = await TokenAsync(ns, "vault://team/vault");
        var apiServerToken = await TokenAsync(ns);

        var otherAudience = await ReviewAsync(token, "vault://team/other");
        var parts = token.Split('.');
        var forged = await ReviewAsync($"{parts[0]}.{parts[1]}.{parts[2][..^4]}AAAA", "vault://team/vault");
        var defaultAudience = await ReviewAsync(apiServerToken);
        await Client.CoreV1.DeleteNamespacedServiceAccountAsync("dns01", ns);
        var deleted = await ReviewAsync(token, "vault://team/vault");

        Assert.False(otherAudience.Authenticated);
        Assert.Contains("is invalid for the target audiences [vault://team/other]", otherAudience.Error);
        Assert.False(forged.Authenticated);
        Assert.True(defaultAudience.Authenticated); // no audiences asked: the API server's own
        Assert.False(deleted.Authenticated);
        Assert.Contains("not found", deleted.Error);
    }
}
