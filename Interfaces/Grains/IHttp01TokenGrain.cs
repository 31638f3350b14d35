using Orleans.Concurrency;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One HTTP-01 token (key: the token): the key authorization every silo's responder serves at
/// /.well-known/acme-challenge/{token} while its challenge is presented.
/// </summary>
[Alias("certfleet.IHttp01TokenGrain")]
public interface IHttp01TokenGrain : IGrainWithStringKey
{
    [Alias("Present")]
    Task PresentAsync(string keyAuthorization);

    [Alias("CleanUp")]
    Task CleanUpAsync();

    /// <summary>The key authorization, or null when the token is not presented (the responder answers 404).</summary>
    [Alias("Get"), ReadOnly]
    Task<string?> GetAsync();
}
