using System.Security.Cryptography;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The production setup with a secret at every place one can be: grain state in a TLS-only redis-server that asks for
/// a password, Pebble requiring External Account Binding, a Cloudflare API fake with a token of its own, and a BIND
/// taking TSIG-signed updates. Every
/// value is random per run, so finding it anywhere is a leak and never a coincidence.
/// </summary>
public sealed class SecretsFixture : PebbleControllerFixture
{
    public const string ServiceId = "secrets";
    public const string EabKeyId = "kid-secrets";

    public string RedisPassword { get; } = RandomText();

    /// <summary>The EAB HMAC key, base64url as CAs hand it out.</summary>
    public string EabHmacKey { get; } = Base64Url(RandomNumberGenerator.GetBytes(32));

    public string CloudflareToken { get; } = RandomText();

    public RedisServer Redis { get; private set; } = null!;

    public CloudflareFakeApi Cloudflare { get; private set; } = null!;

    /// <summary>A BIND taking RFC 2136 updates signed with its TSIG secrets (Pebble still asks challtestsrv).</summary>
    public Rfc2136BindServer Bind { get; } = new();

    public static string RandomText() => Base64Url(RandomNumberGenerator.GetBytes(24));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    protected override PebbleOptions Options => new()
    {
        HttpChallengePort = SolverPort,
        AuthorizationReusePercent = 0,
        ExternalAccountMacKeys = new Dictionary<string, string> { [EabKeyId] = EabHmacKey },
    };

    protected override async Task BeforeSiloAsync()
    {
        Redis = await RedisServer.StartAsync(password: RedisPassword, tls: true);
        await Bind.InitializeAsync();
        await base.BeforeSiloAsync();
        Cloudflare = await CloudflareFakeApi.StartWithTokenAsync(CloudflareToken);
        Cloudflare.RecordsChanged = new ChallengeServerTxtRecords(Pebble.ChallengeServer).PublishAsync;
    }

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__Storage"] = "redis",
        ["CertFleet__Redis__ConnectionString"] = Redis.ConnectionString,
        ["CertFleet__Redis__TrustedCaFile"] = Redis.TrustedCaFile!,
        ["CertFleet__Orleans__ServiceId"] = ServiceId,
        ["CertFleet__Orleans__ClusterId"] = ServiceId,
        ["CertFleet__Dns01__CloudflareApiUrl"] = Cloudflare.BaseUrl,
        // More than production writes: CertFleet's debug lines, and Orleans' information lines, which print every
        // provider's options (the Redis connection string among them) at start.
        ["Logging__LogLevel__CertFleet"] = "Debug",
        ["Logging__LogLevel__Orleans"] = "Information",
    };

    protected override async ValueTask DisposeExtrasAsync()
    {
        if (Cloudflare is not null)
            await Cloudflare.DisposeAsync();
        await base.DisposeExtrasAsync();
        if (Redis is not null)
            await Redis.DisposeAsync();
        await Bind.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SecretsCollection : ICollectionFixture<SecretsFixture>
{
    public const string Name = "secrets";
}
