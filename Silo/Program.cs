using CertFleet.Grains;
using CertFleet.Grains.RateLimits;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Cli;
using CertFleet.Providers.Http01;
using CertFleet.Providers.RateLimits;
using CertFleet.Silo;
using CertFleet.Silo.Dashboard;
using CertFleet.Silo.Health;
using CertFleet.Silo.Metrics;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

// `certfleet-silo status|renew|inspect ...` (and the kubectl-certfleet plugin) run the CLI, not a silo.
if (CertFleetCli.Handles(args))
    return await CertFleetCli.RunAsync(args, Console.Out, Console.Error);

// appsettings.json sits beside the binary: the silo finds it whatever directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Every setting is checked before anything is composed: a typo, a list in two forms or a refused value stops the silo here.
var problems = SiloSettings.Prepare(builder.Configuration);
if (problems.Count > 0)
{
    foreach (var problem in problems)
        Console.Error.WriteLine($"configuration error: {problem}");
    return 2;
}
builder.Services.AddSiloSettings(builder.Configuration);
var settings = builder.Configuration.GetSection(CertFleetOptions.Section).Get<CertFleetOptions>() ?? new CertFleetOptions();

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenAnyIP(settings.Http.Port);
    kestrel.ListenAnyIP(settings.Http01.SolverPort);
    kestrel.ListenAnyIP(settings.Metrics.Port);
    if (settings.Dashboard.Enabled)
        kestrel.ListenAnyIP(settings.Dashboard.Port!.Value);
});

builder.UseOrleans(silo =>
{
    SiloStorage.Configure(silo, settings);
    silo.AddActivityPropagation();
    if (settings.Dashboard.Enabled)
        silo.AddDashboard();
    // Every log line of a grain turn (call, reminder or timer tick) carries the object's kind, cluster, namespace and name.
    silo.AddIncomingGrainCallFilter<CertFleet.Grains.Logging.GrainLogScopeFilter>();
    silo.AddOutgoingGrainCallFilter<GrainCallCounter>();
});

builder.Services.AddSingleton<IHttp01SelfCheck>(new Http01SelfCheck(settings.Http01.SelfCheckOptions()));
builder.Services.AddSingleton<CertFleet.Grains.Acme.Http01Tokens>();
builder.Services.AddSingleton<Http01Responder>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CertFleet.Grains.Acme.AcmeClients>();
builder.Services.AddSingleton<CertFleet.Grains.Acme.Dns01Providers>();
builder.Services.AddSingleton<CertFleet.Grains.Issuance.VaultConnections>();
builder.Services.AddSingleton(services => PublicSuffixList.Load(services.GetRequiredService<IOptions<RateLimitOptions>>().Value.PublicSuffixListPath));
builder.Services.AddSingleton<RateLimitBudgets>();
builder.Services.AddSingleton<CertFleet.Grains.Certificates.CertificatePassSlots>();
builder.Services.AddSingleton(new CertFleet.Providers.Dns01.Dns01PropagationCheck(TimeSpan.FromSeconds(5)));
builder.Services.AddSingleton(services =>
    new CertFleet.Providers.Caa.CaaLookup(services.GetRequiredService<IOptions<IssuanceOptions>>().Value.Dns01RecursiveNameservers, TimeSpan.FromSeconds(5)));
builder.Services.AddSingleton<CertFleet.Providers.Acme.AccountOrderListings>();
// Registered after UseOrleans so the bridge starts once the silo accepts grain calls; its options are bound above.
builder.Services.AddSingleton<CertFleet.Kubernetes.Bridge.Hosting.IActiveSilos, OrleansActiveSilos>();
builder.Services.AddKubernetesBridge();
// Every silo reports the members it watches, whether or not its own dashboard is on: another silo's page shows them.
builder.Services.AddHostedService<CertFleet.Kubernetes.Bridge.Hosting.FleetMemberReporting>();
builder.Services.AddSingleton<FleetQueries>();
// Every silo reads the cluster Secrets: every silo talks to every member of the fleet.
builder.Services.AddHostedService(provider => provider.GetRequiredService<CertFleet.Kubernetes.Bridge.Fleet.ClusterSecretRegistrations>());
// The silo watching the home cluster tells FleetCertificates when members join or leave.
builder.Services.AddHostedService<CertFleet.Kubernetes.Bridge.Hosting.FleetMembershipNotices>();
builder.Services.AddSiloHealthChecks();
builder.Services.AddCertManagerMetrics();
// Last: the silo and the bridge start in the background, so /health/* is served while Redis is awaited.
builder.Services.StartSiloInBackground(settings);

var app = builder.Build();
if (settings.Storage == "redis" && !settings.Orleans.Tls.Enabled)
    app.Logger.LogWarning(
        "Orleans transport security is off: with redis storage any process that reaches a silo port (or Redis) can join the cluster and call grains; " +
        "set {Setting}=true with a certificate from the silos' own CA (helm: siloTls.enabled)", $"{CertFleetOptions.Section}:Orleans:Tls:Enabled");
Http01Responder.Map(app, settings.Http01.SolverPort);
app.MapCertManagerMetrics(settings.Metrics.Port);
if (settings.Dashboard.Enabled)
    app.MapDashboard(settings.Dashboard);
app.MapSiloHealth();
app.MapGet("/", (IOptions<CertFleetOptions> o) => Results.Text($"CertFleet silo for cluster \"{o.Value.ClusterName}\"\n"));
await app.RunAsync();
// A silo that failed to start stops the host with a non-zero exit code (SiloStartup).
return Environment.ExitCode;
