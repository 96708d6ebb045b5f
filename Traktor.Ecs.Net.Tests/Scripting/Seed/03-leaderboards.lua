-- Submit score
online:submitScore("HighScores", 12345)

-- Get leaderboard
local scores = online:getLeaderboard("HighScores", 10)  -- Top 10

for i, entry in ipairs(scores) do
    log:info(entry.rank .. ". " .. entry.username .. ": " .. entry.score)
end
