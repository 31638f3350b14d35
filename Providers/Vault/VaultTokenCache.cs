using System.Collections.Concurrent;

namespace CertFleet.Providers.Vault;

/// <summary>
/// Vault login tokens held in memory, each until shortly before its lease ends (a fifth of the lease, at most a
/// minute, before), so a burst of requests logs in once. Keys are digests naming the credentials, never the
/// credentials themselves. A token Vault no longer accepts is <see cref="Forget"/>-ten and the next call logs in again.
/// </summary>
public sealed class VaultTokenCache(TimeProvider clock)
{
    /// <summary>A token without a lease (lease_duration 0) is still renewed this often, in case it was revoked.</summary>
    public static readonly TimeSpan UnleasedReuse = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset RenewAt)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _logins = new(StringComparer.Ordinal);

    /// <summary>The cached token for <paramref name="key"/>, or a new one from <paramref name="login"/> (one login at a time per key).</summary>
    public async Task<string> GetAsync(string key, Func<Task<VaultToken>> login)
    {
        var now = clock.GetUtcNow();
        if (_tokens.TryGetValue(key, out var held) && now < held.RenewAt)
            return held.Token;
        // Tokens of issuers deleted or changed since would otherwise stay for the silo's lifetime.
        foreach (var (stale, token) in _tokens)
            if (token.RenewAt <= now)
                _tokens.TryRemove(new KeyValuePair<string, (string, DateTimeOffset)>(stale, token));
        var running = _logins.GetOrAdd(key, _ => new Lazy<Task<string>>(() => LoginAsync(key, login)));
        try
        {
            return await running.Value;
        }
        finally
        {
            _logins.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(key, running));
        }
    }

    public void Forget(string key) => _tokens.TryRemove(key, out _);

    /// <summary>When a token leased for <paramref name="lease"/> at <paramref name="issuedAt"/> is replaced.</summary>
    public static DateTimeOffset RenewalTime(DateTimeOffset issuedAt, TimeSpan lease)
    {
        if (lease <= TimeSpan.Zero)
            return issuedAt + UnleasedReuse;
        var margin = TimeSpan.FromTicks(Math.Min(lease.Ticks / 5, TimeSpan.FromMinutes(1).Ticks));
        return issuedAt + lease - margin;
    }

    private async Task<string> LoginAsync(string key, Func<Task<VaultToken>> login)
    {
        var issuedAt = clock.GetUtcNow();
        var token = await login();
        _tokens[key] = (token.ClientToken, RenewalTime(issuedAt, token.LeaseDuration));
        return token.ClientToken;
    }
}
