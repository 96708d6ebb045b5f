using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions.Directory;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>
/// POST /leave reads its reason strictly: the body comes from an untrusted caller, so a reason this backend does not know
/// (misspelled, a number outside the enum, a number as a string, a combination) is a 400 with a typed problem and frees no
/// seat, rather than being read as some default. A body without a reason (older clients) still works.
/// </summary>
public sealed class BackendLeaveReasonTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private const string Password = "correct horse battery";

    public static TheoryData<string> UnknownReasons =>
    [
        "\"Banished\"", "\"Lfet\"", "\"\"", "\"2\"", "\"-1\"", "\"Left, TimedOut\"", "\"Left,Removed\"", "\" Left\"", "9", "-1", "3",
        "4294967296", "1.5", "true", "{}", "[]",
    ];

    [Theory]
    [MemberData(nameof(UnknownReasons))]
    public async Task An_unknown_reason_is_a_typed_400_and_frees_no_seat(string reason)
    {
        await using var rig = await Rig.StartAsync();
        foreach (bool asServer in new[] { true, false })
        {
            var (status, problem) = await rig.LeaveAsync($$"""{"userId":{{rig.PlayerId}},"reason":{{reason}}}""", asServer);
            Assert.True(status == 400 && problem is { Status: 400 } && problem.Type is OnlineProblemTypes.InvalidArgument or OnlineProblemTypes.MalformedBody,
                $"{(asServer ? "server" : "player")} with reason {reason}: {status} {problem?.Type} {problem?.Detail}");
            Assert.Single((await rig.SessionAsync()).Members);
        }
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("", false)]
    [InlineData(",\"reason\":null", false)]
    [InlineData(",\"reason\":\"Left\"", false)]
    [InlineData(",\"reason\":\"left\"", false)]
    [InlineData(",\"reason\":\"TimedOut\"", true)]
    [InlineData(",\"reason\":\"Removed\"", true)]
    [InlineData(",\"reason\":1", false)]
    public async Task A_known_or_absent_reason_frees_the_seat(string reason, bool asServer)
    {
        await using var rig = await Rig.StartAsync();
        var (status, problem) = await rig.LeaveAsync($$"""{"userId":{{rig.PlayerId}}{{reason}}}""", asServer);
        Assert.True(status == 200, $"{status} {problem?.Type} {problem?.Detail}");
        Assert.Empty((await rig.SessionAsync()).Members);
    }

    /// <summary>A backend with one game server, one session and one player seated in it.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly BackendTestServer _server;
        private readonly HttpClient _http;
        private readonly ISessions _sessions;
        private readonly string _accessToken;

        private Rig(BackendTestServer server, ISessions sessions, SessionId session, long playerId, string accessToken)
        {
            _server = server;
            _http = server.CreateHttpClient();
            _sessions = sessions;
            Session = session;
            PlayerId = playerId;
            _accessToken = accessToken;
        }

        public SessionId Session { get; }

        public long PlayerId { get; }

        public static async Task<Rig> StartAsync()
        {
            var server = await BackendTestServer.StartAsync(extraArgs: DirectoryTestSettings.BackendArgs);
            var gameServer = server.CreateBackendClient();
            await new HttpGameServerFleet(gameServer).RegisterServerAsync(new GameServerRegistration(["127.0.0.1:40300"], 64, 8, "gs-40300"), Cancel);
            var sessions = new HttpSessions(gameServer);
            var session = await sessions.CreateSessionAsync(new SessionOptions("leave", 4), Cancel);
            var auth = new HttpAuthentication(server.CreateBackendClient(asServer: false));
            long playerId = (await auth.RegisterAsync("leaver", Password, Cancel)).UserId;
            var login = await auth.LoginAsync("leaver", Password, Cancel);
            Assert.Equal(SessionJoinStatus.Joined, (await sessions.JoinSessionAsync(session.Id, playerId, Cancel)).Status);
            return new Rig(server, sessions, session.Id, playerId, login.AccessToken);
        }

        public async Task<SessionInfo> SessionAsync() => (await _sessions.GetSessionAsync(Session, Cancel))!;

        public async Task<(int Status, ProblemBody? Problem)> LeaveAsync(string json, bool asServer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/sessions/{Session}/leave") { Content = new StringContent(json, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            if (asServer)
            {
                request.Headers.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
            }
            else
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
            }

            using var response = await _http.SendAsync(request, Cancel);
            string text = await response.Content.ReadAsStringAsync(Cancel);
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? JsonSerializer.Deserialize(text, OnlineJsonContext.Default.ProblemBody)
                : null;
            return ((int)response.StatusCode, problem);
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}
