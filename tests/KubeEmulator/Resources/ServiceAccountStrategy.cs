namespace CertFleet.KubeEmulator.Resources;

/// <summary>ServiceAccounts: plain objects, plus the create-only TokenRequest subresource ("token").</summary>
internal sealed class ServiceAccountStrategy : ObjectStrategy
{
    public override IReadOnlyList<string> ExtraSubresources => [Api.ServiceAccountTokens.Subresource];
}
