namespace CertFleet.Silo;

/// <summary>Where grain state, reminders and cluster membership live, chosen by CertFleet:Storage.</summary>
public static class SiloStorage
{
    /// <summary>Storage provider name used by every grain's [PersistentState].</summary>
    public const string GrainStorage = "certfleet";

    public static void Configure(ISiloBuilder silo, CertFleetOptions settings)
    {
        switch (settings.Storage)
        {
            case "memory":
                silo.UseLocalhostClustering(settings.Orleans.SiloPort, settings.Orleans.GatewayPort,
                        serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId)
                    .AddMemoryGrainStorage(GrainStorage)
                    .UseInMemoryReminderService();
                break;
            default:
                throw new InvalidOperationException(
                    $"CertFleet:Storage \"{settings.Storage}\" is not available in this build; use \"memory\"");
        }
    }
}
