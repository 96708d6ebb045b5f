using System.Data.Common;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration.Json;
using Npgsql;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Backend.ConnectTokens;
using Traktor.Ecs.Net.Backend.Endpoints;
using Traktor.Ecs.Net.Backend.Health;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Backend.Sessions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Achievements;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Leaderboards;
using Traktor.Ecs.Net.Online.RateLimiting;
using Traktor.Ecs.Net.Online.Security;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Backend;

/// <summary>
/// Builds the online-services web host: configuration checks, store, services, limits and routes. Settings come
/// from appsettings.json next to the executable (whatever the working directory), then environment variables, then
/// arguments. Every configuration problem surfaces as a <see cref="BackendConfigurationException"/> before the host
/// listens.
/// </summary>
public static class BackendHost
{
    /// <summary>Builds the host and migrates its store; the caller runs it.</summary>
    /// <param name="args">Command-line arguments (e.g. <c>--urls</c>, <c>--environment</c>, <c>--Online:ConnectionString=…</c>).</param>
    /// <param name="configureServices">
    /// Optional extra registrations applied last, e.g. a <see cref="TimeProvider"/> or an <see cref="IConnectTokenIssuer"/>
    /// (which replaces the one <c>Online:ConnectTokens</c> configures).
    /// </param>
    /// <returns>The built application.</returns>
    /// <exception cref="BackendConfigurationException">A setting is missing, malformed or unsafe, or the store cannot be opened, reached or migrated.</exception>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var app = Build(args, configureServices);
        try
        {
            var database = OpenStore(app);
            await RunStoreStepAsync(database, () => database.MigrateAsync()).ConfigureAwait(false);
            app.Logger.LogInformation("Online backend ready on {Database} (environment {Environment})", database.ProviderName, app.Environment.EnvironmentName);
            return app;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Checks the configuration and that the store answers, without migrating it or listening: what
    /// <c>--check-config</c> runs. Returns a few lines saying where the settings came from.
    /// </summary>
    /// <param name="args">The same arguments the backend would run with.</param>
    /// <exception cref="BackendConfigurationException">As for <see cref="BuildAsync"/>.</exception>
    public static async Task<string> CheckConfigurationAsync(string[] args)
    {
        await using var app = Build(args, null);
        var database = OpenStore(app);
        await RunStoreStepAsync(database, () => database.PingAsync()).ConfigureAwait(false);
        var configuration = (IConfigurationRoot)app.Configuration;
        var files = configuration.Providers.OfType<JsonConfigurationProvider>()
            .Select(provider => Path.Combine(provider.Source.FileProvider is Microsoft.Extensions.FileProviders.PhysicalFileProvider physical ? physical.Root : "",
                provider.Source.Path ?? ""))
            .Where(File.Exists)
            .ToList();
        var options = app.Services.GetRequiredService<BackendOptions>();
        return string.Join(Environment.NewLine,
            "Configuration OK.",
            $"Environment: {app.Environment.EnvironmentName}",
            $"Settings files: {(files.Count == 0 ? "none" : string.Join(", ", files))} (then environment variables, then arguments)",
            $"Store: {database.ProviderName} ({(database is SqliteOnlineDatabase sqlite ? sqlite.Path : "connection string from Online:ConnectionString")}) answers",
            // The directory issues the tokens of sessions' game servers; Online:ConnectTokens is the separate fixed list. The
            // check printed only the latter, so a fleet's backend read "Connect tokens: none configured" (found deploying one).
            $"Session directory: {(options.Sessions.ToOptions() is { } directory ? $"on, protocol id 0x{directory.Tokens.ProtocolId:X16} (it issues the connect tokens for sessions on registered game servers)" : "off (no Online:Sessions:GameServerKey)")}",
            $"Connect tokens for fixed game servers (Online:ConnectTokens): {(options.ConnectTokens.IsConfigured ? $"issued for {options.ConnectTokens.ServerAddresses.Count} game server(s)" : "none configured")}");
    }

    private static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            // Next to the executable, so `dotnet path/to/Traktor.Ecs.Net.Backend.dll` from anywhere finds its appsettings.json.
            ContentRootPath = args.Any(arg => arg.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : AppContext.BaseDirectory,
        });
        // The host logs a failed start (a taken port) with its stack trace; Program reports it as one line instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        var options = BindOptions(builder.Configuration);
        var secrets = BackendSecrets.Create(options, builder.Environment.IsDevelopment());
        // Checked now, so a bad section stops startup; built again below with the host's clock.
        ConfiguredConnectTokens.Create(options.ConnectTokens, TimeProvider.System);
        var proxies = TrustedProxies.Create(options.ForwardedHeaders);
        var gate = new ConnectionGate(options.MaxConnectionsPerAddress, proxies);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Every endpoint (from --urls too): connections counted per client address before a byte is read.
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection => gate.RunAsync(connection, next)));
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
        });
        builder.Services.Configure<RouteHandlerOptions>(route => route.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, OnlineJsonContext.Default));
        builder.Services.AddOpenApi("v1");
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(gate);
        builder.Services.AddSingleton(secrets);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => CreateStore(options, services.GetRequiredService<ILoggerFactory>()));
        if (options.ConnectTokens.IsConfigured)
        {
            builder.Services.AddSingleton(services => ConfiguredConnectTokens.Create(options.ConnectTokens, services.GetRequiredService<TimeProvider>())!);
        }
        builder.Services.AddSingleton(services => new AuthenticationService(
            services.GetRequiredService<OnlineDatabase>(),
            new AuthenticationOptions
            {
                TokenSigningKey = secrets.SigningKey,
                PreviousTokenSigningKeys = secrets.PreviousSigningKeys,
                AccessTokenLifetime = TimeSpan.FromSeconds(options.AccessTokenLifetimeSeconds),
                RefreshTokenLifetime = TimeSpan.FromSeconds(options.RefreshTokenLifetimeSeconds),
                MaxSessionsPerAccount = options.MaxSessionsPerAccount,
                AccountsPerAddressPerDay = options.AccountsPerAddressPerDay,
                ConnectTokenLifetime = TimeSpan.FromSeconds(options.ConnectTokens.LifetimeSeconds),
                PasswordHashing = new Argon2Settings(options.PasswordHashMemoryKiB, options.PasswordHashPasses),
                // Only Development may trade hashing cost for speed; BackendSecrets refuses it elsewhere.
                AllowWeakPasswordHashingForTests = builder.Environment.IsDevelopment(),
                MaxConcurrentPasswordHashes = options.MaxConcurrentPasswordHashes,
                MaxQueuedPasswordHashes = options.MaxQueuedPasswordHashes,
                LoginThrottle = new LoginThrottlePolicy
                {
                    FreeFailuresPerAccountAndAddress = options.LoginFreeFailuresPerAccountAndAddress,
                    FreeFailuresPerAddress = options.LoginFreeFailuresPerAddress,
                    FreeFailuresPerAccount = options.LoginFreeFailuresPerAccount,
                    MaxDelay = TimeSpan.FromSeconds(options.LoginMaxDelaySeconds),
                },
            },
            services.GetRequiredService<TimeProvider>(),
            services.GetService<IConnectTokenIssuer>(),
            services.GetRequiredService<ILogger<AuthenticationService>>()));
        builder.Services.AddSingleton(services => new LeaderboardService(services.GetRequiredService<OnlineDatabase>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<LeaderboardService>>(), options.MaxIdempotencyKeysPerPlayer));
        builder.Services.AddSingleton(services => new AchievementService(services.GetRequiredService<OnlineDatabase>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<AchievementService>>(), options.MaxIdempotencyKeysPerPlayer));
        builder.Services.AddSingleton(services => new CloudSaveService(services.GetRequiredService<OnlineDatabase>(),
            new CloudSaveOptions { MaxSlotsPerPlayer = options.MaxSlotsPerPlayer, MaxBytesPerSlot = options.MaxBytesPerSlot, MaxBytesPerPlayer = options.MaxBytesPerPlayer },
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<CloudSaveService>>()));
        builder.Services.AddSingleton(services => new OnlineMaintenance(services.GetRequiredService<OnlineDatabase>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<OnlineMaintenance>>())
        {
            LeaderboardPastPeriodsKept = options.LeaderboardPastPeriodsKept,
        });
        builder.Services.AddHostedService<MaintenanceService>();
        builder.Services.AddSingleton<CallerResolver>();
        builder.Services.AddSingleton(services => new SharedRateLimiter(services.GetRequiredService<OnlineDatabase>(), services.GetRequiredService<TimeProvider>()));
        HealthEndpoints.Add(builder.Services);
        BackendRateLimiting.Add(builder.Services, options);
        SessionHosting.Add(builder.Services, options.Sessions);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        if (proxies is not null)
        {
            // First, so every limit and log below sees the client's address rather than the load balancer's.
            app.UseForwardedHeaders(proxies);
        }
        // Outside the error handling and the rate limiter: it counts the status they answered with.
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseRateLimiter();
        HealthEndpoints.Map(app);
        app.MapOpenApi("/v1/openapi.json");
        AuthEndpoints.Map(app);
        LeaderboardEndpoints.Map(app);
        AchievementEndpoints.Map(app);
        CloudSaveEndpoints.Map(app);
        SessionEndpoints.Map(app);
        return app;
    }

    /// <summary>Binds the <c>Online</c> section; an unknown key or a value of the wrong kind is a configuration error naming the key.</summary>
    internal static BackendOptions BindOptions(IConfiguration configuration)
    {
        BackendOptions options;
        try
        {
            options = configuration.GetSection(BackendOptions.SectionName).Get<BackendOptions>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new BackendOptions();
        }
        catch (InvalidOperationException exception)
        {
            throw new BackendConfigurationException("The online backend refuses to start: " + DescribeBindingFailure(exception), exception);
        }
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new BackendConfigurationException("The online backend refuses to start: " + string.Join(" ", problems));
        }
        return options;
    }

    // The binder's messages name .NET types ("to type 'System.Int32'"); say which key is wrong in the operator's terms.
    private static string DescribeBindingFailure(InvalidOperationException exception)
    {
        var inner = exception;
        while (inner.InnerException is InvalidOperationException deeper)
        {
            inner = deeper;
        }
        string messages = exception.Message + "\n" + inner.Message;
        var unknown = System.Text.RegularExpressions.Regex.Match(messages, @"properties were not found on the instance of [^:]+: ([^\n]+)");
        if (unknown.Success)
        {
            return $"unknown setting(s) under Online: {unknown.Groups[1].Value.Trim()} (check the spelling; see docs/ONLINE-API.md).";
        }
        var key = System.Text.RegularExpressions.Regex.Match(messages, @"at '([^']+)'");
        return key.Success ? $"{key.Groups[1].Value} has a value of the wrong kind." : "the Online settings cannot be read.";
    }

    private static OnlineDatabase CreateStore(BackendOptions options, ILoggerFactory loggers)
    {
        switch (options.Database.Trim().ToLowerInvariant())
        {
            case "sqlite":
                string path = Path.GetFullPath(options.ConnectionString.Trim());
                string? folder = Path.GetDirectoryName(path);
                if (folder is not null && !Directory.Exists(folder))
                {
                    throw new BackendConfigurationException(
                        $"The online backend refuses to start: Online:ConnectionString: the folder '{folder}' of the SQLite database does not exist (create it, or choose another path).");
                }
                try
                {
                    return new SqliteOnlineDatabase(path, options.SqliteDurability, logger: loggers.CreateLogger<SqliteOnlineDatabase>());
                }
                catch (Exception exception) when (exception is SqliteException or InvalidOperationException or UnauthorizedAccessException or IOException)
                {
                    throw new BackendConfigurationException(
                        $"The online backend refuses to start: Online:ConnectionString: cannot open the SQLite database '{path}': {FirstLine(exception.Message)}", exception);
                }
            case "postgres" or "postgresql":
                try
                {
                    _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                    return new PostgresOnlineDatabase(options.ConnectionString, loggers.CreateLogger<PostgresOnlineDatabase>());
                }
                catch (ArgumentException exception)
                {
                    // The message can quote the connection string, password included; it stays out of the output.
                    throw new BackendConfigurationException(
                        "The online backend refuses to start: Online:ConnectionString is not a valid PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…).", exception);
                }
            default:
                throw new BackendConfigurationException($"The online backend refuses to start: Online:Database must be 'sqlite' or 'postgres', not '{options.Database}'.");
        }
    }

    private static OnlineDatabase OpenStore(WebApplication app) => app.Services.GetRequiredService<OnlineDatabase>();

    /// <summary>Runs a first contact with the store; a store that cannot be reached or used is a configuration error that says where it looked.</summary>
    private static async Task RunStoreStepAsync(OnlineDatabase database, Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is DbException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            string reason = FirstLine(exception.Message);
            if (exception.InnerException is { } inner && !reason.Contains(inner.Message, StringComparison.Ordinal))
            {
                reason += ": " + FirstLine(inner.Message);
            }
            throw new BackendConfigurationException($"The online backend refuses to start: the {database.ProviderName} store {Where(database)}cannot be used: {reason}", exception);
        }
    }

    private static string Where(OnlineDatabase database) => database switch
    {
        SqliteOnlineDatabase sqlite => $"at '{sqlite.Path}' ",
        PostgresOnlineDatabase postgres => $"at {postgres.Endpoint} ",
        _ => "",
    };

    private static string FirstLine(string text)
    {
        int newline = text.IndexOfAny(['\r', '\n']);
        return (newline < 0 ? text : text[..newline]).Trim();
    }
}
