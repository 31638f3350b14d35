using Orleans.Concurrency;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// The HTTP-01 tokens presented right now, each with its key authorization and the host its Challenge names (key
/// <see cref="SingletonKey"/>). Every silo's responder keeps a copy (<c>Http01Tokens</c>) and asks for a new one at most
/// once a second, so a stranger's unknown token never reaches a grain or storage.
/// </summary>
[Alias("certfleet.IHttp01TokenDirectoryGrain")]
public interface IHttp01TokenDirectoryGrain : IGrainWithStringKey
{
    public const string SingletonKey = "live";

    /// <summary>Serves <paramref name="token"/> for <paramref name="dnsName"/> until it is removed (idempotent).</summary>
    [Alias("Present")]
    Task PresentAsync(string token, string keyAuthorization, string dnsName);

    [Alias("Remove")]
    Task RemoveAsync(string token);

    [Alias("GetAll"), ReadOnly]
    Task<Http01TokenSnapshot> GetAllAsync();
}

/// <summary>What the responder serves for one token: the key authorization, only to requests for <see cref="DnsName"/>.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.Http01Token")]
public sealed record Http01Token(
    [property: Id(0)] string KeyAuthorization,
    [property: Id(1)] string DnsName);

/// <summary>All live tokens at one moment; never changed after it is made, so it is handed out without copying.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.Http01TokenSnapshot")]
public sealed record Http01TokenSnapshot([property: Id(0)] IReadOnlyDictionary<string, Http01Token> Tokens);
