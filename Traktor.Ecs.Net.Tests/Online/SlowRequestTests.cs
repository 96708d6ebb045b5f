using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Tests.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Slow uploads against the real backend on Kestrel (loopback sockets). Kestrel keeps a request body alive as long as
/// it arrives at 240 B/s, so a 512 KiB body may take half an hour; within its request rate one address could start 50
/// of them a second (measured against a real backend process: 617 in flight and growing after 55 s from one address,
/// RSS +13 MiB, every one holding what it had sent). Each address now has a budget of requests in progress.
/// </summary>
public sealed class SlowRequestTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task One_address_cannot_hold_more_slow_uploads_than_its_budget_and_gets_its_budget_back_when_they_end()
    {
        using var recorder = new MeasurementRecorder(BackendMetrics.MeterName);
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:ConcurrentRequestsPerAddress=4");
        var http = server.CreateHttpClient();
        using (var registered = await http.PostAsync("v1/auth/register", Json("""{"username":"slowpoke","password":"correct horse"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        using var login = await http.PostAsync("v1/auth/login", Json("""{"username":"slowpoke","password":"correct horse"}"""), Cancel);
        using var session = JsonDocument.Parse(await login.Content.ReadAsStringAsync(Cancel));
        string token = session.RootElement.GetProperty("accessToken").GetString()!;
        long user = session.RootElement.GetProperty("userId").GetInt64();

        // Four uploads that announce 400,000 bytes, send half of them at once and then nothing: the server waits for the
        // rest. Kestrel's minimum body rate (240 B/s after a 5 s grace) divides the bytes read by the time spent waiting
        // for more, so 200,000 bytes keep each upload above it for 800 s of waiting, without the test sending anything
        // on time. (They used to trickle 100 B every 250 ms from a pool task, barely above the rate: in full runs on a
        // starved thread pool the trickle fell below it, Kestrel ended the uploads (measured: at 167 B/s an upload is
        // answered 400 after 6 s, its body read timed out) and the address had its budget back before the check below
        // was answered, so it saw 200 for its whole minute.)
        string prefix = "{\"data\":\"" + new string('A', 200_000 - 9);
        var uploads = new List<Socket>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                uploads.Add(socket);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port), Cancel);
                await socket.SendAsync(Encoding.ASCII.GetBytes(
                    $"PUT /v1/users/{user}/saves/slot{i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 400000\r\n\r\n" + prefix), Cancel);
            }

            // Once the four are being served, a fifth request from the same address is refused, with a Retry-After.
            var status = await StatusOnceAsync(http, user, token, HttpStatusCode.TooManyRequests);
            Assert.True(status == HttpStatusCode.TooManyRequests, $"{status}; the uploads' answers: {Answers(uploads)}");
            Assert.Equal("", Answers(uploads)); // none ended: all four were in progress throughout
            // Counted as the concurrency limit's refusal, on the route asked (docs/DEPLOY.md); other tests' backends feed
            // the same meter, so ours is among the measurements.
            Assert.Contains(recorder.Of("traktor.backend.rate_limited"), m =>
                Equals(m.Tags.GetValueOrDefault(BackendMetrics.RouteTag), "GET /v1/users/{userId}/saves") &&
                Equals(m.Tags.GetValueOrDefault(BackendMetrics.LimitTag), "concurrency"));
        }
        finally
        {
            uploads.ForEach(socket => socket.Dispose());
        }

        // The uploads ended (the peer went away): the address has its budget again.
        Assert.Equal(HttpStatusCode.OK, await StatusOnceAsync(http, user, token, HttpStatusCode.OK));
    }

    /// <summary>What the server has answered on the upload sockets so far (an upload it ended early: a 408 or a 400), "" for none.</summary>
    private static string Answers(List<Socket> uploads)
    {
        var answers = new StringBuilder();
        var buffer = new byte[512];
        foreach (var socket in uploads)
        {
            if (socket.Connected && socket.Available > 0)
            {
                int read = socket.Receive(buffer, Math.Min(buffer.Length, socket.Available), SocketFlags.None);
                answers.Append(Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0]).Append("; ");
            }
        }
        return answers.ToString();
    }

    /// <summary>
    /// Lists the player's saves every 50 ms until the answer is <paramref name="wanted"/> (at most 60 s); the last answer.
    /// Generous because nothing here is timed: in full runs under load the pooled client's requests can wait seconds.
    /// </summary>
    private static async Task<HttpStatusCode> StatusOnceAsync(HttpClient http, long user, string token, HttpStatusCode wanted)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/users/{user}/saves");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, Cancel);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says when to retry");
            }
            if (response.StatusCode == wanted || clock.Elapsed > TimeSpan.FromSeconds(60)) return response.StatusCode;
            await Task.Delay(50, Cancel);
        }
    }
}
