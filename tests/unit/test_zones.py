from pacta.domain.zones import is_time_zone


def test_iana_zones_are_known_and_others_are_not():
    assert is_time_zone("Europe/Madrid")
    assert is_time_zone("Europe/Moscow")
    assert is_time_zone("America/Argentina/Buenos_Aires")
    assert not is_time_zone("Europe/Atlantis")
    assert not is_time_zone("europe/madrid")
    assert not is_time_zone("")
