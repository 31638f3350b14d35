using System.Collections;
using CertFleet.Interfaces;
using Microsoft.Extensions.Logging;

namespace CertFleet.Grains.Logging;

/// <summary>
/// The logging scope of a grain turn: which Kubernetes object the grain stands for (kind, cluster, namespace, name),
/// so every log line of a Certificate's flow names it. JSON console logs carry the fields; text logs print
/// "Certificate local/default/web".
/// </summary>
public sealed class GrainLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _fields;
    private readonly string _kind;
    private readonly ObjectKey _key;

    private GrainLogScope(string kind, ObjectKey key)
    {
        _fields =
        [
            new("Kind", kind),
            new("Cluster", key.Cluster),
            new("Namespace", key.Namespace),
            new("Name", key.Name),
            new("Object", key.ToString()),
        ];
        (_kind, _key) = (kind, key);
    }

    public int Count => _fields.Length;

    public KeyValuePair<string, object?> this[int index] => _fields[index];

    /// <summary>The scope for a grain of ours keyed by an object; null for other grains (tokens, Orleans' own).</summary>
    public static GrainLogScope? For(GrainId grain)
    {
        var kind = grain.Type.ToString() switch
        {
            "certificate" => "Certificate",
            "certificaterequest" => "CertificateRequest",
            "order" => "Order",
            "challenge" => "Challenge",
            "secretclaim" => "Secret",
            "issuer" or "acmeaccount" => "Issuer",
            _ => null,
        };
        if (kind is null)
            return null;
        ObjectKey key;
        try
        {
            key = ObjectKey.FromGrainKey(grain.Key.ToString()!);
        }
        catch (ArgumentException)
        {
            return null;
        }
        return new GrainLogScope(kind == "Issuer" && key.IsClusterScoped ? "ClusterIssuer" : kind, key);
    }

    /// <summary>Opens the scope of <paramref name="grain"/> on <paramref name="logger"/>'s factory, if it has one.</summary>
    public static IDisposable? Begin(ILogger logger, GrainId grain) => For(grain) is { } scope ? logger.BeginScope(scope) : null;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Built only when a text log line prints the scope, not on every grain call.
    public override string ToString() => $"{_kind} {_key.Cluster}/{(_key.IsClusterScoped ? "" : _key.Namespace + "/")}{_key.Name}";
}
