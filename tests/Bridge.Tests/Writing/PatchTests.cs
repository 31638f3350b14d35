using System.Text.Json.Nodes;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;

namespace CertFleet.Bridge.Tests.Writing;

public sealed class PatchTests
{
    [Fact]
    public void A_status_patch_names_every_field_so_that_absent_ones_are_cleared()
    {
        var status = new CertificateStatus
        {
            Conditions = [new Condition { Type = "Ready", Status = "True", Reason = "Ready" }],
            Revision = 2,
            Acme = new CertificateAcmeStatus(),
        };

        var patch = JsonNode.Parse(StatusPatch.For(status))!["status"]!.AsObject();

        Assert.Equal(2, (int)patch["revision"]!);
        Assert.True(patch.ContainsKey("notAfter"));
        Assert.Null(patch["notAfter"]);
        Assert.True(patch.ContainsKey("nextPrivateKeySecretName"));
        Assert.Null(patch["lastFailureTime"]);
        // Nested objects are patched by merging too: their absent fields are cleared as well.
        Assert.True(patch["acme"]!.AsObject().ContainsKey("ari"));
        Assert.Null(patch["acme"]!["ari"]);
        // Lists are sent whole and replace the stored ones, so their items need no nulls.
        Assert.Single(patch["conditions"]!.AsArray());
        Assert.False(patch["conditions"]![0]!.AsObject().ContainsKey("message"));
    }

    [Fact]
    public void A_status_patch_cuts_long_messages_and_reasons_but_no_other_field()
    {
        var huge = new string('e', 100_000);
        var order = new OrderStatus { State = "errored", Reason = huge, Url = "https://acme.example/order/" + huge };
        var patch = JsonNode.Parse(StatusPatch.For(order))!["status"]!;
        Assert.Equal(huge[..StatusText.MaxLength] + "… (truncated)", (string)patch["reason"]!);
        Assert.Equal(order.Url, (string)patch["url"]!); // not free text: never cut

        var request = new CertificateRequestStatus
        {
            Conditions = [new CertificateRequestCondition { Type = "Ready", Status = "False", Reason = "Failed", Message = huge }],
            Certificate = new byte[200_000],
        };
        var requestPatch = JsonNode.Parse(StatusPatch.For(request))!["status"]!;
        Assert.Equal(StatusText.MaxLength + StatusText.TruncationMarker.Length, ((string)requestPatch["conditions"]![0]!["message"]!).Length);
        Assert.Equal(200_000, Convert.FromBase64String((string)requestPatch["certificate"]!).Length);
    }

    [Fact]
    public void A_secret_patch_sets_given_keys_and_nulls_removed_ones_only()
    {
        var secret = new SecretData
        {
            Key = new ObjectKey("local", "default", "web-tls"),
            Type = "kubernetes.io/tls",
            Data = new() { ["tls.crt"] = "cert"u8.ToArray() },
            Labels = new() { ["controller.cert-manager.io/fao"] = "true" },
        };

        var patch = JsonNode.Parse(SecretPatch.For(secret, ["keystore.p12"]))!.AsObject();

        Assert.Equal(Convert.ToBase64String("cert"u8.ToArray()), (string)patch["data"]!["tls.crt"]!);
        Assert.True(patch["data"]!.AsObject().ContainsKey("keystore.p12"));
        Assert.Null(patch["data"]!["keystore.p12"]);
        Assert.Equal(2, patch["data"]!.AsObject().Count);
        Assert.Equal("true", (string)patch["metadata"]!["labels"]!["controller.cert-manager.io/fao"]!);
        Assert.False(patch["metadata"]!.AsObject().ContainsKey("annotations"));
        Assert.False(patch.ContainsKey("type"));
    }
}
