using System.Globalization;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Ports;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Kubernetes.Bridge.Events;

/// <summary>
/// Writes core/v1 Events (what <c>kubectl describe</c> shows), aggregated and spam-filtered by
/// <see cref="EventCorrelator"/>. Events are best effort: failures are logged and never reach the caller.
/// The source says where in the fleet an Event comes from: <c>source.host</c> is the member cluster the object lives in
/// (event exporters that gather many clusters' Events keep it) and <c>reportingInstance</c> the silo that wrote it.
/// </summary>
public sealed class EventRecorder(
    KubernetesClusters clusters,
    EventCorrelator correlator,
    IOptions<BridgeOptions> options,
    ILogger<EventRecorder> logger)
{
    // The API server does not bound core/v1 messages, but events.k8s.io does (1 kB) and so does kubectl's column.
    private const int MaxMessageLength = 1024;

    public async Task RecordAsync(EventRecord record, CancellationToken ct = default)
    {
        var decision = correlator.Decide(record);
        if (decision.Action == EventAction.Drop)
        {
            logger.LogDebug("Dropped event {Reason} for {Kind} {Object}: the object is emitting events too fast",
                record.Reason, record.Kind.Kind, record.Object);
            return;
        }

        try
        {
            var connection = clusters[record.Object.Cluster];
            if (decision.Action == EventAction.Increment)
            {
                try
                {
                    await IncrementAsync(connection, decision, ct);
                    return;
                }
                catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
                {
                    // The Event expired (the API server keeps them for an hour): write it again.
                }
            }

            try
            {
                await CreateAsync(connection, record, decision, ct);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsAlreadyExists: true })
            {
                await IncrementAsync(connection, decision, ct);
            }
        }
        catch (Exception exception)
        {
            using (ClusterLogScope.Begin(logger, record.Object.Cluster))
                logger.LogWarning("Could not record event {Reason} for {Kind} {Object}: {Error}", record.Reason,
                    record.Kind.Kind, record.Object, ApiError.From(exception)?.Describe() ?? exception.Message);
        }
    }

    private Task<Corev1Event> CreateAsync(ClusterConnection connection, EventRecord record, EventDecision decision,
        CancellationToken ct)
    {
        var message = record.Message.Length > MaxMessageLength ? record.Message[..MaxMessageLength] : record.Message;
        var body = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = decision.Name, NamespaceProperty = decision.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = record.Kind.ApiVersion,
                Kind = record.Kind.Kind,
                Name = record.Object.Name,
                NamespaceProperty = record.Object.IsClusterScoped ? null : record.Object.Namespace,
                Uid = record.ObjectUid,
            },
            Reason = record.Reason,
            Message = message,
            Type = record.Type,
            Source = new V1EventSource { Component = record.Component, Host = record.Object.Cluster },
            ReportingComponent = record.Component,
            ReportingInstance = options.Value.Identity,
            FirstTimestamp = decision.FirstTimestamp.UtcDateTime,
            LastTimestamp = decision.LastTimestamp.UtcDateTime,
            Count = decision.Count,
        };
        return connection.SendAsync((client, t) =>
            client.CoreV1.CreateNamespacedEventAsync(body, decision.Namespace, cancellationToken: t), ct);
    }

    private static Task<Corev1Event> IncrementAsync(ClusterConnection connection, EventDecision decision, CancellationToken ct)
    {
        var patch = new JsonObject
        {
            ["count"] = decision.Count,
            ["lastTimestamp"] = decision.LastTimestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
        return connection.SendAsync((client, t) =>
            client.CoreV1.PatchNamespacedEventAsync(body, decision.Name, decision.Namespace, cancellationToken: t), ct);
    }
}
