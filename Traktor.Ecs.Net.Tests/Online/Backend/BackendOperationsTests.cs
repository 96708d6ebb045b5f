using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Backend.Configuration;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>What an operator meets: configuration errors as one line and exit code 2, settings next to the executable, liveness and readiness.</summary>
public sealed class BackendOperationsTests
{
    private const string ServerKey = "operations-server-key-0123456789";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string SigningKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static TheoryData<string[], string> ConfigurationErrors => new()
    {
        { ["--Online:ConnectionString={dir}/missing/folder/online.db"], "does not exist" },
        { ["--Online:Database=mysql"], "Online:Database must be 'sqlite' or 'postgres'" },
        { ["--Online:Database=postgres", "--Online:ConnectionString=Hots=nowhere;;=="], "not a valid PostgreSQL connection string" },
        { ["--Online:Database=postgres", "--Online:ConnectionString=Host=127.0.0.1;Port={closedPort};Database=x;Username=u;Password=hunter2-secret;Timeout=3"], "postgresql store at 127.0.0.1:" },
        { ["--Online:PasswordHashIteration=5"], "unknown setting" },
        { ["--Online:MaxSlotsPerPlayer=many"], "Online:MaxSlotsPerPlayer" },
        { ["--Online:AccessTokenLifetimeSeconds=0"], "Online:AccessTokenLifetimeSeconds" },
        { ["--Online:LeaderboardPastPeriodsKept=-1"], "Online:LeaderboardPastPeriodsKept must be 0 or more" },
        // Over the authentication service's ten years: the node started and failed every /v1/auth call with 500 (review42).
        { ["--Online:RefreshTokenLifetimeSeconds=2000000000"], "Online:RefreshTokenLifetimeSeconds must be from 1 to 315360000" },
        { ["--Online:AccessTokenLifetimeSeconds=2147483647"], "Online:AccessTokenLifetimeSeconds must be from 1 to 315360000" },
        // Past the hour a client tries to connect at most: taken before (review44).
        { ["--Online:Sessions:GameServerKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "--Online:Sessions:TokenLifetimeSeconds=3601"], "TokenLifetime" },
        { ["--Online:ConnectTokens:ServerAddresses:0=nowhere"], "Online:ConnectTokens" },
        { ["--Online:ConnectTokens:ServerAddresses:0=0.0.0.0:40000"], "'0.0.0.0:40000' is the unspecified address" },
    };

    [Theory]
    [MemberData(nameof(ConfigurationErrors))]
    public async Task A_configuration_error_stops_startup_with_one_line_that_names_the_setting(string[] settings, string expected)
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            string[] args =
            [
                "--environment=Development", "--Logging:LogLevel:Default=None",
                $"--Online:ConnectionString={Path.Combine(directory, "online.db")}",
                $"--Online:TokenSigningKey={SigningKey()}", $"--Online:ServerKeys:0={ServerKey}",
                .. settings.Select(setting => setting.Replace("{dir}", directory).Replace("{closedPort}", ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ];
            var refused = await Assert.ThrowsAsync<BackendConfigurationException>(() => BackendHost.BuildAsync(args));
            Assert.StartsWith("The online backend refuses to start: ", refused.Message);
            Assert.Contains(expected, refused.Message);
            Assert.DoesNotContain('\n', refused.Message);
            Assert.DoesNotContain("hunter2-secret", refused.Message);
            Assert.DoesNotContain("System.", refused.Message);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task The_executable_exits_2_with_one_line_and_no_stack_trace_when_its_database_folder_is_missing()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var outcome = await BackendProcess.RunAsync(directory,
            [
                "--environment=Production", "--urls=http://127.0.0.1:0", "--Online:ConnectionString=no-such-folder/online.db",
                $"--Online:TokenSigningKey={SigningKey()}", $"--Online:ServerKeys:0={ServerKey}",
            ], TimeSpan.FromSeconds(60));
            Assert.Equal(2, outcome.ExitCode);
            var line = Assert.Single(outcome.ErrorLines);
            Assert.Contains(Path.Combine(directory, "no-such-folder"), line);
            Assert.DoesNotContain("   at ", outcome.StandardOutput + outcome.StandardError);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task The_executable_exits_2_with_one_line_when_its_address_is_taken()
    {
        string directory = OnlineTestSettings.TempDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        try
        {
            var outcome = await BackendProcess.RunAsync(directory,
            [
                "--environment=Production", $"--urls=http://127.0.0.1:{port}", $"--Online:ConnectionString={Path.Combine(directory, "online.db")}",
                $"--Online:TokenSigningKey={SigningKey()}", $"--Online:ServerKeys:0={ServerKey}",
            ], TimeSpan.FromSeconds(60));
            Assert.Equal(2, outcome.ExitCode);
            var line = Assert.Single(outcome.ErrorLines);
            Assert.Contains($"127.0.0.1:{port}", line);
            Assert.DoesNotContain("   at ", outcome.StandardOutput + outcome.StandardError);
        }
        finally
        {
            taken.Stop();
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Check_config_reads_the_appsettings_next_to_the_executable_from_any_working_directory()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var outcome = await BackendProcess.RunAsync(directory,
            [
                "--check-config", "--environment=Production", "--Online:ConnectionString=relative.db",
                $"--Online:TokenSigningKey={SigningKey()}", $"--Online:ServerKeys:0={ServerKey}",
            ], TimeSpan.FromSeconds(60));
            Assert.True(outcome.ExitCode == 0, outcome.StandardError);
            Assert.Contains(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), outcome.StandardOutput);
            // A relative database path is relative to the working directory, where the operator ran the command.
            Assert.Contains(Path.Combine(directory, "relative.db"), outcome.StandardOutput);
            Assert.True(File.Exists(Path.Combine(directory, "relative.db")));
            Assert.Contains("Session directory: off (no Online:Sessions:GameServerKey)", outcome.StandardOutput);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Check_config_says_the_session_directory_is_on_and_with_which_protocol_id()
    {
        // Found deploying a fleet: with the directory on, the check said only "Connect tokens: none configured".
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var outcome = await BackendProcess.RunAsync(directory,
            [
                "--check-config", "--environment=Production", "--Online:ConnectionString=fleet.db",
                $"--Online:TokenSigningKey={SigningKey()}", $"--Online:ServerKeys:0={ServerKey}",
                $"--Online:Sessions:GameServerKey={Convert.ToBase64String(new byte[32])}", "--Online:Sessions:ProtocolId=0x54524B44454D4F31",
            ], TimeSpan.FromSeconds(60));
            Assert.True(outcome.ExitCode == 0, outcome.StandardError);
            Assert.Contains("Session directory: on, protocol id 0x54524B44454D4F31", outcome.StandardOutput);
            Assert.Contains("Connect tokens for fixed game servers (Online:ConnectTokens): none configured", outcome.StandardOutput);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Readiness_follows_the_database_while_liveness_does_not()
    {
        string baseConnectionString = PostgresHarness.RequireConnectionString();
        var settings = new NpgsqlConnectionStringBuilder(baseConnectionString);
        var postgres = new IPEndPoint(IPAddress.Parse(settings.Host!), settings.Port);
        string schema = "t_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(baseConnectionString))
        {
            await admin.OpenAsync(Cancel);
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", admin);
            await create.ExecuteNonQueryAsync(Cancel);
        }
        await using var forwarder = new TcpForwarder(postgres);
        string viaForwarder = new NpgsqlConnectionStringBuilder(baseConnectionString) { Port = forwarder.Port, SearchPath = schema, Timeout = 2 }.ConnectionString;
        try
        {
            await using var server = await BackendTestServer.StartAsync(null, null, "--Online:Database=postgres", $"--Online:ConnectionString={viaForwarder}");
            var http = server.CreateHttpClient();
            async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
            {
                using var response = await http.GetAsync(path, Cancel);
                return (response.StatusCode, await response.Content.ReadAsStringAsync(Cancel));
            }

            Assert.Equal(HttpStatusCode.OK, (await GetAsync("v1/health/live")).Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("v1/health/ready")).Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("v1/health")).Status);

            forwarder.Cut();
            var ready = await GetAsync("v1/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
            Assert.StartsWith("Unhealthy", ready.Body);
            Assert.DoesNotContain("Password", ready.Body);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync("v1/health")).Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("v1/health/live")).Status);

            forwarder.Restore();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            HttpStatusCode status;
            while ((status = (await GetAsync("v1/health/ready")).Status) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, Cancel);
            }
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            forwarder.Cut();
            await using var admin = new NpgsqlConnection(baseConnectionString);
            await admin.OpenAsync(Cancel);
            await using var drop = new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", admin);
            await drop.ExecuteNonQueryAsync(Cancel);
        }
    }
}
