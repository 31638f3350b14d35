using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Ports;

/// <summary>
/// How grains change a Kubernetes cluster. Built in Kubernetes.Bridge; routes by <see cref="ObjectKey.Cluster"/>.
/// Every method is idempotent and safe to call from whichever silo hosts the grain; conflicts (409) are resolved
/// inside (re-read and re-apply), and each call is bounded well below Orleans' 30 s call timeout.
/// Failures surface as <see cref="ClusterWriteException"/>.
/// </summary>
public interface IClusterWriter
{
    /// <summary>
    /// Replaces the status subresource of a cert-manager resource; absent fields are cleared. Returns the
    /// resourceVersion the write produced: the writer ignores watch events at or below it (<see cref="ResourceVersions"/>).
    /// </summary>
    Task<string> WriteStatusAsync<TStatus>(ResourceKind kind, ObjectKey key, TStatus status, CancellationToken ct = default)
        where TStatus : class;

    /// <summary>
    /// Creates a CertificateRequest, or returns the existing one of that name unchanged (its spec is immutable). The
    /// returned object carries its resourceVersion.
    /// </summary>
    Task<CertificateRequest> CreateCertificateRequestAsync(ObjectKey key, CertificateRequest request, CancellationToken ct = default);

    /// <summary>
    /// The built-in approver's decision: adds <paramref name="approved"/> to a CertificateRequest's status conditions
    /// and keeps the rest of its status (an external issuer writes it), unless an Approved or Denied condition is True
    /// already. Returns the resourceVersion written, or null when the request was already decided.
    /// </summary>
    Task<string?> ApproveCertificateRequestAsync(ObjectKey key, CertificateRequestCondition approved, CancellationToken ct = default);

    /// <summary>
    /// Creates <paramref name="certificate"/> under <paramref name="key"/>, or, when one of that name carries the label
    /// <paramref name="ownerLabel"/> with the same value, replaces its spec, labels and ownerReferences. Returns the
    /// stored Certificate (with its status), or null when a Certificate of that name exists without that label: it is
    /// someone else's and is left alone.
    /// </summary>
    Task<Certificate?> ApplyOwnedCertificateAsync(ObjectKey key, Certificate certificate, string ownerLabel, CancellationToken ct = default);

    /// <summary>Deletes any namespaced or cluster-scoped resource; a missing object is success.</summary>
    Task DeleteAsync(ResourceKind kind, ObjectKey key, CancellationToken ct = default);

    /// <summary>
    /// Creates or updates a Secret: the given data keys, labels and annotations are set, <paramref name="removeKeys"/>
    /// are removed, and anything else on the Secret (other keys, labels set by users) is kept. Returns the stored Secret's
    /// resourceVersion. <paramref name="likelyNew"/> only orders the requests: true tries a create first (one request
    /// for a Secret that does not exist yet instead of a patch answered 404 and then a create).
    /// </summary>
    Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys, bool likelyNew = false, CancellationToken ct = default);

    /// <summary>
    /// Creates a Secret named from <paramref name="generateName"/> and returns the generated name. Used for the
    /// next-private-key Secrets, which the bridge does not watch, so no echo needs its resourceVersion.
    /// </summary>
    Task<string> CreateSecretAsync(string generateName, SecretData secret, CancellationToken ct = default);

    /// <summary>
    /// Creates a cert-manager resource (Order, Challenge) or, when one of that name exists, returns it unchanged.
    /// The returned JSON-compatible record carries the server's uid and resourceVersion.
    /// </summary>
    Task<TResource> CreateResourceAsync<TResource>(ResourceKind kind, ObjectKey key, TResource resource, CancellationToken ct = default)
        where TResource : class;

    /// <summary>
    /// Removes one finalizer from a resource. Returns the resourceVersion the write produced, or null when nothing was
    /// written (the finalizer was absent or the object is gone).
    /// </summary>
    Task<string?> RemoveFinalizerAsync(ResourceKind kind, ObjectKey key, string finalizer, CancellationToken ct = default);

    /// <summary>Creates (idempotently) the Ingress or HTTPRoute that routes one HTTP-01 challenge to the solver Service.</summary>
    Task ApplySolverRouteAsync(SolverRoute route, CancellationToken ct = default);

    /// <summary>Removes what <see cref="ApplySolverRouteAsync"/> made for the challenge (the path, for edit-in-place).</summary>
    Task DeleteSolverRouteAsync(SolverRoute route, CancellationToken ct = default);

    /// <summary>Records (or aggregates into) a core/v1 Event.</summary>
    Task RecordEventAsync(EventRecord record, CancellationToken ct = default);
}

/// <summary>How grains read what is not pushed to them: Secrets are read on demand, never cached in the controller.</summary>
public interface IClusterReader
{
    Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default);

    /// <summary>
    /// Asks the TokenRequest API (serviceaccounts/token) for a token of <paramref name="serviceAccount"/> valid for
    /// <paramref name="audiences"/>; null when the ServiceAccount does not exist. Other failures (RBAC, timeouts) are
    /// <see cref="ClusterWriteException"/>s. The token is a credential: use it at once, never put it in grain state.
    /// </summary>
    Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(
        ObjectKey serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, CancellationToken ct = default);
}

/// <summary>A bound service account token and when it expires.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.ServiceAccountToken")]
public sealed record ServiceAccountToken([property: Id(0)] string Token, [property: Id(1)] DateTimeOffset ExpiresAt);

/// <summary>A Kubernetes write that failed after the bridge's own retries; the message is fit for a status condition.</summary>
[GenerateSerializer, Alias("certfleet.ClusterWriteException")]
public sealed class ClusterWriteException : Exception
{
    public ClusterWriteException(string message, Exception? inner = null) : base(message, inner) { }

    [Id(0)] public int StatusCode { get; init; }

    /// <summary>404: the object written (or its namespace) does not exist.</summary>
    public bool IsNotFound => StatusCode == 404;

    /// <summary><see cref="StatusCode"/> of a request for a cluster that is not a member of the fleet (any more).</summary>
    public const int NotMemberStatus = -1;

    /// <summary>The cluster left the fleet: nothing is sent to it, and retrying cannot help.</summary>
    public bool IsNotMember => StatusCode == NotMemberStatus;
}
