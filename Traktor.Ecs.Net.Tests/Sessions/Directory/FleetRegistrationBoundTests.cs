using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// A server key's registrations are not rate-limited, so the fleet's table is bounded by
/// <c>SessionDirectoryOptions.MaxGameServers</c>: every row counts until the sweep deletes it, so registering and
/// deregistering in a loop cannot grow it either. Failed before: the fourth registration of a fleet of three was accepted,
/// as was every one after (a leaked key grew the table, its listing and the sweep's work without end). On PostgreSQL, nodes
/// registering at once passed the bound (7 of 5) until the count and the insert held the fleet's advisory lock.
/// </summary>
public sealed class FleetRegistrationBoundTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_fleet_refuses_registrations_with_a_typed_error_until_ended_servers_are_deleted()
    {
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        string folder = OnlineTestSettings.TempDirectory();
        try
        {
            var options = SqliteDirectoryHarness.Options(time);
            options = new OnlineServicesOptions
            {
                Authentication = options.Authentication,
                Time = time,
                Sessions = DirectoryTestSettings.Options with { MaxGameServers = 3 },
            };
            await using var services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), options, Cancel);
            var fleet = services.Sessions!;
            var leases = new List<GameServerLease>();
            for (int i = 0; i < 3; i++) leases.Add(await fleet.RegisterServerAsync(Registration(40200 + i), Cancel));

            var refused = await Assert.ThrowsAsync<OnlineException>(() => fleet.RegisterServerAsync(Registration(40203), Cancel));
            Assert.Equal(OnlineError.QuotaExceeded, refused.Error);

            // Deregistered, a server is still kept (and listed) until the sweep deletes it: its row still counts.
            Assert.True(await fleet.DeregisterServerAsync(leases[0].ServerId, Cancel));
            refused = await Assert.ThrowsAsync<OnlineException>(() => fleet.RegisterServerAsync(Registration(40203), Cancel));
            Assert.Equal(OnlineError.QuotaExceeded, refused.Error);
            Assert.Equal(3, (await fleet.ListServersAsync(Cancel)).Count);

            // Past the retention the sweep deletes it, and the room is back.
            time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
            await fleet.SweepAsync(Cancel);
            var admitted = await fleet.RegisterServerAsync(Registration(40203), Cancel);
            Assert.Contains(await fleet.ListServersAsync(Cancel), server => server.ServerId == admitted.ServerId);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(folder);
        }
    }

    [Fact]
    public async Task Nodes_racing_on_PostgreSQL_register_exactly_MaxGameServers()
    {
        // PostgreSQL writes run at READ COMMITTED: without a lock around the count and the insert, each node counted the
        // rows committed before its own insert and the fleet overshot the bound by as many registrations as raced.
        var (connectionString, drop) = await PostgresSchema.CreateAsync();
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        var nodes = new List<OnlineServices>();
        try
        {
            var template = SqliteDirectoryHarness.Options(time);
            for (int i = 0; i < 4; i++)
            {
                nodes.Add(await OnlineServices.OpenAsync(new PostgresOnlineDatabase(connectionString), new OnlineServicesOptions
                {
                    Authentication = template.Authentication,
                    Time = time,
                    Sessions = DirectoryTestSettings.Options with { MaxGameServers = 5 },
                }, Cancel));
            }

            // 32 registrations through the 4 nodes, all released at once, for the 5 rooms.
            using var start = new SemaphoreSlim(0);
            var attempts = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
            {
                await start.WaitAsync(Cancel);
                try
                {
                    await nodes[i % nodes.Count].Sessions!.RegisterServerAsync(Registration(41000 + i), Cancel);
                    return true;
                }
                catch (OnlineException refused) when (refused.Error == OnlineError.QuotaExceeded)
                {
                    return false;
                }
            }, Cancel)).ToArray();
            start.Release(attempts.Length);
            Assert.Equal(5, (await Task.WhenAll(attempts)).Count(admitted => admitted));
            Assert.Equal(5, (await nodes[0].Sessions!.ListServersAsync(Cancel)).Count);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            await drop();
        }
    }

    private static GameServerRegistration Registration(int port) => new([$"127.0.0.1:{port}"], 64, 8, $"gs-{port}");
}
