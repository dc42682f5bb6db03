package suunto

// Workout types. Suunto names a workout's sport by the integer activityId;
// the table is Open Wearables' backend/app/constants/workout_types/suunto.py
// (providers.md §11, "Suunto"), with Suunto's name of each id. An id
// missing from the table is "other". 0 is Walking, a real type, never
// "missing".

import "math"

// activityTable is unified workout type ← Suunto activity ids.
var activityTable = map[string][]int{
	"aerobics":                {32, 69, 76},              // 32 Fitness class, 69 Aerobics, 76 Cheerleading
	"alpine_skiing":           {13, 84},                  // 13 Downhill skiing, 84 Telemarkskiing
	"american_football":       {39},                      // 39 American football
	"backcountry_skiing":      {31, 107},                 // 31 Ski touring, 107 Backcountry skiing
	"badminton":               {36},                      // 36 Badminton
	"baseball":                {37, 45},                  // 37 Baseball, 45 Softball
	"basketball":              {35},                      // 35 Basketball
	"bowling":                 {46},                      // 46 Bowling
	"boxing":                  {77},                      // 77 Boxing
	"canoeing":                {82},                      // 82 Canoeing
	"cardio_training":         {102},                     // 102 Jump rope
	"chores":                  {119},                     // 119 Chores
	"cricket":                 {47},                      // 47 Cricket
	"cross_country_skiing":    {3, 56, 117, 118},         // 3 Cross-country skiing, 56 Roller skiing, 117 Skate skiing, 118 Classic skiing
	"cycling":                 {2, 99, 109},              // 2 Cycling, 99 Gravel cycling, 109 Hand cycling
	"cyclocross":              {114},                     // 114 Cyclocross
	"dance":                   {64},                      // 64 Dancing
	"disc_sports":             {66},                      // 66 Frisbee golf
	"diving":                  {78, 79, 90, 101},         // 78 Scubadiving, 79 Freediving, 90 Snorkeling, 101 Spearfishing
	"e_biking":                {105, 106},                // 105 E-biking, 106 E-mtb
	"elliptical":              {55},                      // 55 Crosstrainer
	"fishing":                 {96},                      // 96 Fishing
	"fitness_equipment":       {17, 20, 81},              // 17 Indoor sports, 20 Outdoor gym, 81 Gymnastics
	"floorball":               {43},                      // 43 Floorball
	"golf":                    {16},                      // 16 Golfing
	"handball":                {44},                      // 44 Handball
	"hiking":                  {11, 70},                  // 11 Hiking, 70 Trekking
	"hockey":                  {50, 113},                 // 50 Ice hockey, 113 Field hockey
	"horseback_riding":        {25},                      // 25 Horseback riding
	"hunting":                 {97},                      // 97 Hunting
	"ice_skating":             {49},                      // 49 Ice skating
	"indoor_cycling":          {52},                      // 52 Indoor cycling
	"inline_skating":          {12},                      // 12 Roller skating
	"kayaking":                {72},                      // 72 Kayaking
	"kitesurfing":             {87},                      // 87 Kitesurfing
	"martial_arts":            {62},                      // 62 Combat sport
	"motorcycling":            {26},                      // 26 Motorsports
	"mountain_biking":         {10},                      // 10 Mountain biking
	"mountaineering":          {83, 116},                 // 83 Mountaineering, 116 Ski mountaineering
	"multisport":              {68, 80, 92, 93, 94, 111}, // 68 Multisport, 80 Adventure racing, 92 Swimrun, 93 Duathlon, 94 Aquathlon, 111 Biathlon
	"open_water_swimming":     {85},                      // 85 Openwater swimming
	"orienteering":            {60},                      // 60 Orienteering
	"paddling":                {14},                      // 14 Paddling
	"padel":                   {75},                      // 75 Padel
	"para_sports":             {108},                     // 108 Wheelchair sport
	"paragliding":             {88},                      // 88 Paragliding
	"parkour":                 {18},                      // 18 Parkouring
	"pilates":                 {120},                     // 120 Pilates
	"racquetball":             {41},                      // 41 Racquet ball
	"rock_climbing":           {29},                      // 29 Climbing
	"rowing":                  {15},                      // 15 Rowing
	"rowing_machine":          {57},                      // 57 Indoor rowing
	"rugby":                   {48},                      // 48 Rugby
	"running":                 {1, 59, 95, 103},          // 1 Running, 59 Track and field, 95 Obstacle racing, 103 Track running
	"sailing":                 {71},                      // 71 Sailing
	"skateboarding":           {27},                      // 27 Skateboarding
	"snowboarding":            {30, 110},                 // 30 Snowboarding, 110 Splitboarding
	"snowshoeing":             {65},                      // 65 Snow shoeing
	"soccer":                  {33, 67},                  // 33 Soccer, 67 Futsal
	"sport":                   {4, 5, 6, 7, 8, 9},        // 4 Sports, 5 Sports, 6 Sports, 7 Sports, 8 Sports, 9 Sports
	"squash":                  {42},                      // 42 Squash
	"stand_up_paddleboarding": {61},                      // 61 Standup paddling
	"strength_training":       {23, 54, 63, 73, 104},     // 23 Gym, 54 Crossfit, 63 Kettlebell, 73 Circuit training, 104 Calisthenics
	"stretching":              {58, 112},                 // 58 Stretching, 112 Meditation
	"surfing":                 {91},                      // 91 Surfing
	"swimming":                {21, 100},                 // 21 Swimming, 100 Mermaiding
	"table_tennis":            {40},                      // 40 Table tennis
	"team_sports":             {19},                      // 19 Ball games
	"tennis":                  {34},                      // 34 Tennis
	"trail_running":           {22, 115},                 // 22 Trail running, 115 Vertical running
	"transition":              {98},                      // 98 Transition
	"treadmill":               {53},                      // 53 Treadmill
	"triathlon":               {74},                      // 74 Triathlon
	"volleyball":              {38},                      // 38 Volleyball
	"walking":                 {0, 24},                   // 0 Walking, 24 Nordic walking
	"water_sports":            {28},                      // 28 Water sports
	"windsurfing":             {86},                      // 86 Windsurfing
	"yoga":                    {51, 121},                 // 51 Yoga/pilates, 121 Yoga
}

// activities is activityTable inverted: activity id → unified type.
var activities = map[int]string{}

func init() {
	for unified, ids := range activityTable {
		for _, id := range ids {
			activities[id] = unified
		}
	}
}

// WorkoutType maps a Suunto activityId to a unified workout type.
func WorkoutType(activityID float64) string {
	if activityID != math.Trunc(activityID) || activityID < 0 || activityID > 1e6 {
		return "other"
	}
	if u, ok := activities[int(activityID)]; ok {
		return u
	}
	return "other"
}
