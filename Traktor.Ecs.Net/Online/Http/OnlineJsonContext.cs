using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traktor.Ecs.Net.Online;

/// <summary>Source-generated JSON contracts of the online-services HTTP API (camelCase, enums as names).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    MaxDepth = 16,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CredentialsBody))]
[JsonSerializable(typeof(RefreshBody))]
[JsonSerializable(typeof(UserAccount))]
[JsonSerializable(typeof(AuthSession))]
[JsonSerializable(typeof(AccessTokenClaims))]
[JsonSerializable(typeof(LeaderboardDefinition))]
[JsonSerializable(typeof(ScoreBody))]
[JsonSerializable(typeof(ScoreSubmissionResult))]
[JsonSerializable(typeof(LeaderboardEntry))]
[JsonSerializable(typeof(LeaderboardPage))]
[JsonSerializable(typeof(LeaderboardEntryList))]
[JsonSerializable(typeof(LeaderboardPeriodList))]
[JsonSerializable(typeof(AchievementDefinition))]
[JsonSerializable(typeof(AchievementProgressBody))]
[JsonSerializable(typeof(AchievementUpdate))]
[JsonSerializable(typeof(AchievementList))]
[JsonSerializable(typeof(CloudSavePutBody))]
[JsonSerializable(typeof(CloudSaveEntry))]
[JsonSerializable(typeof(CloudSaveObject))]
[JsonSerializable(typeof(CloudSaveDeleteResult))]
[JsonSerializable(typeof(CloudSaveList))]
[JsonSerializable(typeof(ProblemBody))]
public sealed partial class OnlineJsonContext : JsonSerializerContext;
