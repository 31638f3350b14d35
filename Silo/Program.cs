using CertFleet.Grains;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Silo;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddOptions<CertFleetOptions>()
    .Bind(builder.Configuration.GetSection(CertFleetOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
var settings = builder.Configuration.GetSection(CertFleetOptions.Section).Get<CertFleetOptions>() ?? new CertFleetOptions();
var problems = settings.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(settings)).ToList();
if (problems.Count > 0)
{
    foreach (var problem in problems)
        Console.Error.WriteLine($"configuration error: {problem.ErrorMessage}");
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(settings.Http.Port));

builder.UseOrleans(silo =>
{
    silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
    {
        o.ClusterId = settings.Orleans.ClusterId;
        o.ServiceId = settings.Orleans.ServiceId;
    });
    SiloStorage.Configure(silo, settings);
    silo.AddActivityPropagation();
});

builder.Services.Configure<IssuanceOptions>(o =>
{
    o.ClusterResourceNamespace = settings.ClusterResourceNamespace;
    o.AutoApprove = settings.AutoApprove;
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CertFleet.Grains.Acme.AcmeClients>();
// Registered after UseOrleans so the bridge starts once the silo accepts grain calls.
builder.Services.AddKubernetesBridge(o =>
{
    o.ClusterName = settings.ClusterName;
    o.ClusterResourceNamespace = settings.ClusterResourceNamespace;
    o.Kubeconfig = string.IsNullOrWhiteSpace(settings.Kubeconfig) ? null : settings.Kubeconfig;
});
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/health/live");
app.MapHealthChecks("/health/ready");
app.MapHealthChecks("/health/startup");
app.MapGet("/", (IOptions<CertFleetOptions> o) => Results.Text($"CertFleet silo for cluster \"{o.Value.ClusterName}\"\n"));
await app.RunAsync();
return 0;
