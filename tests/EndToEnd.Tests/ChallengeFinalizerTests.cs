namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// A Challenge cert-manager made before the switch to CertFleet, still held by its finalizers (an older cert-manager
/// spelled its finalizer finalizer.acme.cert-manager.io): deleting it does not hang. Other controllers' finalizers
/// stay theirs to remove.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class ChallengeFinalizerTests(ControllerFixture cluster)
{
    [Fact]
    public async Task AChallengeCertManagerMadeLosesItsFinalizersWhenDeleted()
    {
        var ns = await cluster.NamespaceAsync();
        await cluster.MustApplyAsync($"""
            apiVersion: acme.cert-manager.io/v1
            kind: Challenge
            metadata:
              name: legacy-1-2-3
              namespace: {ns}
              finalizers: [finalizer.acme.cert-manager.io, example.com/keep, acme.cert-manager.io/finalizer]
            spec:
              url: https://acme.invalid/chall/1
              authorizationURL: https://acme.invalid/authz/1
              dnsName: legacy.example.com
              type: HTTP-01
              token: token
              key: key
              solver:
                http01:
                  ingress:
                    class: nginx
              issuerRef:
                name: letsencrypt
            """);

        await cluster.MustAsync("-n", ns, "delete", "challenge", "legacy-1-2-3", "--wait=false");

        await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "challenge", "legacy-1-2-3", "-o", "jsonpath={.metadata.finalizers}"),
            finalizers => finalizers == """["example.com/keep"]""", $"only the other controller's finalizer left (silo log: {cluster.SiloLog})", seconds: 30);
        await cluster.MustAsync("-n", ns, "patch", "challenge", "legacy-1-2-3", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        var gone = await Processes.Eventually(() => cluster.KubectlAsync("-n", ns, "get", "challenge", "legacy-1-2-3"),
            get => get.ExitCode != 0, "the Challenge gone once its last finalizer is removed", seconds: 30);
        Assert.Contains("NotFound", gone.Error);
    }
}
