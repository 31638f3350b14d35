using CertFleet.Grains;
using CertFleet.Grains.RateLimits;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Cli;
using CertFleet.Providers.Http01;
using CertFleet.Providers.RateLimits;
using CertFleet.Silo;
using CertFleet.Silo.Metrics;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

// `certfleet-silo status|renew|inspect ...` (and the kubectl-certfleet plugin) run the CLI, not a silo.
if (CertFleetCli.Handles(args))
    return await CertFleetCli.RunAsync(args, Console.Out, Console.Error);

// appsettings.json sits beside the binary: the silo finds it whatever directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

var http01Section = builder.Configuration.GetSection($"{CertFleetOptions.Section}:Http01");
builder.Services.AddOptions<CertFleetOptions>()
    .Bind(builder.Configuration.GetSection(CertFleetOptions.Section))
    .PostConfigure(o => o.Http01.ReadCommaSeparatedNameservers(http01Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
var settings = builder.Configuration.GetSection(CertFleetOptions.Section).Get<CertFleetOptions>() ?? new CertFleetOptions();
settings.Http01.ReadCommaSeparatedNameservers(http01Section);
var problems = settings.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(settings)).ToList();
var rateLimits = builder.Configuration.GetSection($"{CertFleetOptions.Section}:RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
problems.AddRange(rateLimits.Problems($"{CertFleetOptions.Section}:RateLimits").Select(p => new System.ComponentModel.DataAnnotations.ValidationResult(p)));
PublicSuffixList? suffixes = null;
try
{
    suffixes = PublicSuffixList.Load(rateLimits.PublicSuffixListPath);
}
catch (IOException ex)
{
    problems.Add(new System.ComponentModel.DataAnnotations.ValidationResult($"{CertFleetOptions.Section}:RateLimits:PublicSuffixListPath: {ex.Message}"));
}
if (problems.Count > 0)
{
    foreach (var problem in problems)
        Console.Error.WriteLine($"configuration error: {problem.ErrorMessage}");
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenAnyIP(settings.Http.Port);
    kestrel.ListenAnyIP(settings.Http01.SolverPort);
    kestrel.ListenAnyIP(settings.Metrics.Port);
    if (settings.Dashboard.Enabled && settings.Dashboard.EffectivePort(settings.Http.Port) != settings.Http.Port)
        kestrel.ListenAnyIP(settings.Dashboard.EffectivePort(settings.Http.Port));
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

builder.Services.Configure<IssuanceOptions>(o =>
{
    o.ClusterResourceNamespace = settings.ClusterResourceNamespace;
    o.AutoApprove = settings.AutoApprove;
    o.Http01SolverServiceName = settings.Http01.SolverServiceName;
    // The solver Service exposes the responder on the same port number it listens on.
    o.Http01SolverPort = settings.Http01.SolverPort;
    o.Dns01RecursiveNameservers = settings.Dns01.RecursiveNameservers;
    o.CaaPreflight = settings.Dns01.CaaPreflight;
    o.CloudflareApiUrl = settings.Dns01.CloudflareApiUrl;
    o.Route53Endpoint = settings.Dns01.Route53Endpoint;
    o.AzureArmEndpoint = settings.Dns01.AzureArmEndpoint;
    o.StsEndpoint = settings.Dns01.StsEndpoint;
    o.AzureAuthorityHost = settings.Dns01.AzureAuthorityHost;
    o.RenewalJitterPercent = settings.Renewal.JitterPercent;
    o.AriMinimumRecheck = settings.Renewal.AriMinimumRecheck;
    o.AcmeNewOrdersInFlight = settings.Acme.NewOrdersInFlight;
    o.IssuerAmbientCredentials = settings.Dns01.IssuerAmbientCredentials;
    o.ClusterIssuerAmbientCredentials = settings.Dns01.ClusterIssuerAmbientCredentials;
});
builder.Services.AddSingleton<IHttp01SelfCheck>(new Http01SelfCheck(new Http01SelfCheckOptions
{
    Nameservers = settings.Http01.Nameservers,
    Port = settings.Http01.SelfCheckPort,
}));
builder.Services.AddSingleton<CertFleet.Grains.Acme.Http01Tokens>();
builder.Services.AddSingleton<Http01Responder>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CertFleet.Grains.Acme.AcmeClients>();
builder.Services.AddSingleton<CertFleet.Grains.Acme.Dns01Providers>();
builder.Services.AddSingleton(Options.Create(rateLimits));
builder.Services.AddSingleton(suffixes!);
builder.Services.AddSingleton<RateLimitBudgets>();
builder.Services.AddSingleton(new CertFleet.Providers.Dns01.Dns01PropagationCheck(TimeSpan.FromSeconds(5)));
builder.Services.AddSingleton(new CertFleet.Providers.Caa.CaaLookup(settings.Dns01.RecursiveNameservers, TimeSpan.FromSeconds(5)));
builder.Services.AddSingleton<CertFleet.Providers.Acme.AccountOrderListings>();
// Registered after UseOrleans so the bridge starts once the silo accepts grain calls.
builder.Services.AddKubernetesBridge(o =>
{
    o.ClusterName = settings.ClusterName;
    o.ClusterResourceNamespace = settings.ClusterResourceNamespace;
    o.Kubeconfig = string.IsNullOrWhiteSpace(settings.Kubeconfig) ? null : settings.Kubeconfig;
});
// ingress-shim and gateway-shim: the issuer for kubernetes.io/tls-acme Ingresses and for Gateways naming none.
builder.Services.Configure<CertFleet.Kubernetes.Bridge.Shims.ShimOptions>(builder.Configuration.GetSection($"{CertFleetOptions.Section}:Shims"));
builder.Services.AddHealthChecks();
builder.Services.AddCertManagerMetrics();

var app = builder.Build();
Http01Responder.Map(app, settings.Http01.SolverPort);
app.MapCertManagerMetrics(settings.Metrics.Port);
if (settings.Dashboard.Enabled)
    app.MapOrleansDashboard(settings.Dashboard.Path).RequireHost($"*:{settings.Dashboard.EffectivePort(settings.Http.Port)}");
app.MapHealthChecks("/health/live");
app.MapHealthChecks("/health/ready");
app.MapHealthChecks("/health/startup");
app.MapGet("/", (IOptions<CertFleetOptions> o) => Results.Text($"CertFleet silo for cluster \"{o.Value.ClusterName}\"\n"));
await app.RunAsync();
return 0;
