-- Unlock achievement
online:unlockAchievement("FirstKill")

-- Get achievements
local achievements = online:getAchievements()
