using System.Net;
using Orleans.Configuration;

namespace CertFleet.Silo;

/// <summary>Where grain state, reminders and cluster membership live, chosen by CertFleet:Storage.</summary>
public static class SiloStorage
{
    /// <summary>Storage provider name used by every grain's [PersistentState].</summary>
    public const string GrainStorage = "certfleet";

    /// <summary>The pod's IP from the downward API; silos advertise it to each other in production.</summary>
    public const string PodIpVariable = "POD_IP";

    /// <summary>Orleans opens no client gateway for gateway port 0.</summary>
    private const int NoGateway = 0;

    public static void Configure(ISiloBuilder silo, CertFleetOptions settings)
    {
        SiloTls.Configure(silo, settings.Orleans.Tls);
        // Plain JSON without CLR type names: renaming or moving a state type never makes stored state unreadable.
        silo.UseSystemTextJsonGrainStorageSerializer();
        switch (settings.Storage)
        {
            case "memory":
                silo.UseLocalhostClustering(settings.Orleans.SiloPort, settings.Orleans.GatewayPort ?? NoGateway,
                        serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId)
                    .AddMemoryGrainStorage(GrainStorage)
                    .UseInMemoryReminderService();
                break;
            case "redis":
                var podIp = Environment.GetEnvironmentVariable(PodIpVariable);
                silo.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = settings.Orleans.ClusterId;
                        o.ServiceId = settings.Orleans.ServiceId;
                    })
                    // Without POD_IP (a developer machine, tests) silos find each other on loopback only.
                    .ConfigureEndpoints(AdvertisedAddress(podIp), settings.Orleans.SiloPort, settings.Orleans.GatewayPort ?? NoGateway,
                        listenOnAnyHostAddress: !string.IsNullOrWhiteSpace(podIp))
                    // Each provider owns its multiplexer, so each gets its own parsed options.
                    .UseRedisClustering(o => o.ConfigurationOptions = settings.Redis.ClientOptions())
                    // A grain clears its state when its Kubernetes object is deleted: leave no key behind for it.
                    .AddRedisGrainStorage(GrainStorage, o =>
                    {
                        o.ConfigurationOptions = settings.Redis.ClientOptions();
                        o.DeleteStateOnClear = true;
                    })
                    .UseRedisReminderService(o => o.ConfigurationOptions = settings.Redis.ClientOptions());
                break;
            default:
                throw new InvalidOperationException(
                    $"{CertFleetOptions.Section}:Storage must be \"memory\" or \"redis\" (got \"{settings.Storage}\")");
        }
    }

    /// <summary>The address other silos and clients reach this silo at: POD_IP when set, else loopback.</summary>
    public static IPAddress AdvertisedAddress(string? podIp)
    {
        if (string.IsNullOrWhiteSpace(podIp))
            return IPAddress.Loopback;
        return IPAddress.TryParse(podIp, out var address)
            ? address
            : throw new InvalidOperationException($"{PodIpVariable} must be the pod's IP address (got \"{podIp}\")");
    }
}
