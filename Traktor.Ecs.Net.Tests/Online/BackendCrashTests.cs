using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Leaderboards;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// The built backend runs as a child process (Production settings, SQLite with full durability) and is
/// killed with SIGKILL in the middle of 1,000 writes; every write it acknowledged must be in the file afterwards.
/// </summary>
public sealed partial class BackendCrashTests
{
    private const string ServerKey = "crash-test-server-key-0123456789";
    private const int Writes = 1000;
    private const int KillAfterAcknowledged = 400;
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    [Fact]
    public async Task A_backend_killed_mid_write_loses_no_acknowledged_write()
    {
        string directory = OnlineTestSettings.TempDirectory();
        string databasePath = Path.Combine(directory, "online.db");
        string backendDll = Path.Combine(AppContext.BaseDirectory, "Traktor.Ecs.Net.Backend.dll");
        Assert.True(File.Exists(backendDll), $"The built backend is expected at {backendDll}.");
        // Scores need accounts: users 1..100 exist before the backend starts (registered here with cheap hashing).
        await using (var seeded = await OnlineServices.OpenSqliteAsync(databasePath, new OnlineServicesOptions { Authentication = OnlineTestSettings.Authentication() }, Cancel))
        {
            for (int i = 1; i <= 100; i++)
            {
                Assert.Equal(i, (await seeded.Authentication.RegisterAsync($"crash{i}", "correct horse", Cancel)).UserId);
            }
        }
        var start = DotnetProcess.StartInfo(backendDll,
        [
            "--urls=http://127.0.0.1:0", "--environment=Production", $"--Online:ConnectionString={databasePath}",
            $"--Online:TokenSigningKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}", $"--Online:ServerKeys:0={ServerKey}",
        ], directory);
        using var backend = Process.Start(start)!;
        try
        {
            var address = await WaitForAddressAsync(backend);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Add(OnlineBackendClient.ServerKeyHeader, ServerKey);
            using (var define = await http.PutAsJsonAsync("v1/leaderboards/crash", new LeaderboardDefinition("crash", Operator: LeaderboardOperator.Increment),
                OnlineJsonContext.Default.LeaderboardDefinition, Cancel))
            {
                define.EnsureSuccessStatusCode();
            }

            var acknowledgedSaves = new ConcurrentBag<(long User, string Slot, CloudSaveEntry Entry, byte[] Data)>();
            var acknowledgedScores = new ConcurrentDictionary<long, int>();
            int acknowledged = 0;
            using var gate = new SemaphoreSlim(16);
            var writes = Enumerable.Range(0, Writes).Select(async i =>
            {
                await gate.WaitAsync(Cancel);
                try
                {
                    long user = i % 100 + 1;
                    if (i % 2 == 0)
                    {
                        // Every cloud write goes to a slot of its own, so each acknowledged one must be found exactly.
                        string slot = $"s{i / 100}";
                        byte[] data = RandomNumberGenerator.GetBytes(64);
                        using var response = await http.PutAsJsonAsync($"v1/users/{user}/saves/{slot}", new CloudSavePutBody(data, CloudSaveVersion.Any),
                            OnlineJsonContext.Default.CloudSavePutBody, Cancel);
                        if (response.IsSuccessStatusCode)
                        {
                            var entry = (await response.Content.ReadFromJsonAsync(OnlineJsonContext.Default.CloudSaveEntry, Cancel))!;
                            acknowledgedSaves.Add((user, slot, entry, data));
                            Interlocked.Increment(ref acknowledged);
                        }
                    }
                    else
                    {
                        using var response = await http.PostAsJsonAsync("v1/leaderboards/crash/scores", new ScoreBody(user, 1, $"w{i}", null),
                            OnlineJsonContext.Default.ScoreBody, Cancel);
                        if (response.IsSuccessStatusCode)
                        {
                            await response.Content.ReadFromJsonAsync(OnlineJsonContext.Default.ScoreSubmissionResult, Cancel);
                            acknowledgedScores.AddOrUpdate(user, 1, (_, count) => count + 1);
                            Interlocked.Increment(ref acknowledged);
                        }
                    }
                    if (Volatile.Read(ref acknowledged) >= KillAfterAcknowledged && !backend.HasExited)
                    {
                        backend.Kill(); // SIGKILL on Unix: no shutdown hooks, no flush.
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException && !Cancel.IsCancellationRequested)
                {
                    // Refused or cut off by the kill: not acknowledged, so nothing is promised about it.
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            await Task.WhenAll(writes);
            await backend.WaitForExitAsync(Cancel);
            Assert.True(acknowledged >= KillAfterAcknowledged, $"Only {acknowledged} writes were acknowledged before the kill.");
            Assert.True(acknowledged < Writes, "The kill came after every write had finished, so it proved nothing.");

            await using var database = new SqliteOnlineDatabase(databasePath);
            await database.MigrateAsync(Cancel);
            var saves = new CloudSaveService(database);
            foreach (var (user, slot, entry, data) in acknowledgedSaves)
            {
                var saved = await saves.GetAsync(user, slot, Cancel);
                Assert.NotNull(saved);
                Assert.Equal(entry.Version, saved.Entry.Version);
                Assert.Equal(data, saved.Data);
            }
            var boards = new LeaderboardService(database);
            foreach (var (user, count) in acknowledgedScores)
            {
                var entry = await boards.GetRankAsync("crash", user, cancellationToken: Cancel);
                Assert.NotNull(entry);
                Assert.True(entry.Score >= count, $"User {user} had {count} acknowledged increments but the board holds {entry.Score}.");
            }
        }
        finally
        {
            if (!backend.HasExited)
            {
                backend.Kill();
            }
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    private static async Task<string> WaitForAddressAsync(Process backend)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var log = new List<string>();
        while (await backend.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            log.Add(line);
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                // Keep draining the pipes so the child never blocks on a full one.
                _ = backend.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = backend.StandardError.ReadToEndAsync(CancellationToken.None);
                return match.Groups[1].Value;
            }
        }
        string errors = await backend.StandardError.ReadToEndAsync(timeout.Token);
        throw new InvalidOperationException($"The backend exited before listening:\n{string.Join('\n', log)}\n{errors}");
    }
}
