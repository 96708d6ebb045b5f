using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Traktor.Ecs.Net.Backend.Endpoints;
using Traktor.Ecs.Net.Backend.Sessions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Achievements;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Leaderboards;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Backend;

/// <summary>Builds the online-services web host: configuration checks, store, services, limits and routes.</summary>
public static class BackendHost
{
    /// <summary>Builds the host and migrates its store; the caller runs it.</summary>
    /// <param name="args">Command-line arguments (e.g. <c>--urls</c>, <c>--environment</c>, <c>--Online:ConnectionString=…</c>).</param>
    /// <param name="configureServices">Optional extra registrations applied last, e.g. a <see cref="TimeProvider"/> or an <see cref="IConnectTokenIssuer"/>.</param>
    /// <returns>The built application.</returns>
    /// <exception cref="InvalidOperationException">The configuration is unsafe for the environment (for example default keys outside Development).</exception>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = builder.Configuration.GetSection(BackendOptions.SectionName).Get<BackendOptions>() ?? new BackendOptions();
        var secrets = BackendSecrets.Create(options, builder.Environment.IsDevelopment());

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
        });
        builder.Services.Configure<RouteHandlerOptions>(route => route.ThrowOnBadRequest = true);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(secrets);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OnlineDatabase>(services => CreateDatabase(options, services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton(services => new AuthenticationService(
            services.GetRequiredService<OnlineDatabase>(),
            new AuthenticationOptions
            {
                TokenSigningKey = secrets.SigningKey,
                AccessTokenLifetime = TimeSpan.FromSeconds(options.AccessTokenLifetimeSeconds),
                RefreshTokenLifetime = TimeSpan.FromSeconds(options.RefreshTokenLifetimeSeconds),
                PasswordHashIterations = options.PasswordHashIterations,
                // Only Development may trade hashing cost for speed; BackendSecrets refuses it elsewhere.
                AllowWeakPasswordHashingForTests = builder.Environment.IsDevelopment(),
                Lockout = new LoginLockoutPolicy
                {
                    MaxFailuresPerAccount = options.MaxFailedLoginsPerAccount,
                    MaxFailuresPerAddress = options.MaxFailedLoginsPerAddress,
                    LockoutDuration = TimeSpan.FromSeconds(options.LockoutSeconds),
                },
            },
            services.GetRequiredService<TimeProvider>(),
            services.GetService<IConnectTokenIssuer>(),
            services.GetRequiredService<ILogger<AuthenticationService>>()));
        builder.Services.AddSingleton(services => new LeaderboardService(services.GetRequiredService<OnlineDatabase>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<LeaderboardService>>()));
        builder.Services.AddSingleton(services => new AchievementService(services.GetRequiredService<OnlineDatabase>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<AchievementService>>()));
        builder.Services.AddSingleton(services => new CloudSaveService(services.GetRequiredService<OnlineDatabase>(),
            new CloudSaveOptions { MaxSlotsPerPlayer = options.MaxSlotsPerPlayer, MaxBytesPerSlot = options.MaxBytesPerSlot, MaxBytesPerPlayer = options.MaxBytesPerPlayer },
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<CloudSaveService>>()));
        builder.Services.AddSingleton(services => new OnlineMaintenance(services.GetRequiredService<OnlineDatabase>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<OnlineMaintenance>>()));
        builder.Services.AddHostedService<MaintenanceService>();
        builder.Services.AddSingleton<CallerResolver>();
        BackendRateLimiting.Add(builder.Services, options);
        SessionHosting.Add(builder.Services, builder.Configuration);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        await app.Services.GetRequiredService<OnlineDatabase>().MigrateAsync().ConfigureAwait(false);

        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseRateLimiter();
        app.MapGet("/v1/health", () => Results.Text("ok"));
        AuthEndpoints.Map(app);
        LeaderboardEndpoints.Map(app);
        AchievementEndpoints.Map(app);
        CloudSaveEndpoints.Map(app);
        SessionEndpoints.Map(app);
        app.MapFallback((HttpContext context) => ErrorHandlingMiddleware.WriteAsync(context, StatusCodes.Status404NotFound,
            OnlineErrorCodes.ToCode(OnlineError.NotFound), "No such route.", null));
        app.Logger.LogInformation("Online backend ready on {Database}", options.Database);
        return app;
    }

    private static OnlineDatabase CreateDatabase(BackendOptions options, ILoggerFactory loggers) => options.Database.ToLowerInvariant() switch
    {
        "sqlite" => new SqliteOnlineDatabase(options.ConnectionString, options.SqliteDurability, logger: loggers.CreateLogger<SqliteOnlineDatabase>()),
        "postgres" or "postgresql" => new PostgresOnlineDatabase(options.ConnectionString, loggers.CreateLogger<PostgresOnlineDatabase>()),
        _ => throw new InvalidOperationException($"Online:Database must be 'sqlite' or 'postgres', not '{options.Database}'."),
    };
}
